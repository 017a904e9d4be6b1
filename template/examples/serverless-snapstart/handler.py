def hello(event, context):
    return {"message": "hello"}


def hi(event, context):
    return {"message": "hi"}
