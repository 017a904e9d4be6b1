def split(event, context):
    return event


def merge(event, context):
    return event
