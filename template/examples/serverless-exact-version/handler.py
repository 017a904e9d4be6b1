def greet(event, context):
    return {"message": "greet"}


def farewell(event, context):
    return {"message": "farewell"}


def tally(event, context):
    return {"message": "tally"}
