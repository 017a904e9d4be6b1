def process(event, context):
    return {"step": "process", "input": event}


def enrich(event, context):
    return {"step": "enrich", "input": event}


def item(event, context):
    return {"step": "item", "input": event}


def approve(event, context):
    # Receives {"token": ..., "input": ...}; a real implementation would call
    # SendTaskSuccess with the token later.
    return {"step": "approve", "input": event}


def audit(event, context):
    return {"step": "audit", "input": event}


def send_email(event, context):
    return {"step": "send-email", "input": event}
