#!/usr/bin/env python3
"""Writes the sample payloads under events/ (run from anywhere; output is deterministic).

Every connector and webhook ticket event type, one webhook as the `detail` of an EventBridge
event, the Lambda envelopes (SNS, SQS raw and SNS-wrapped) and malformed inputs. Values are
illustrative; structures follow shared/reference/zendesk-events.md.
"""
import copy
import hashlib
import json
import pathlib
import uuid

ROOT = pathlib.Path(__file__).resolve().parent

TICKET = {
    "id": 48213, "created_at": "2025-03-10T14:22:05Z", "updated_at": "2025-03-10T15:01:11Z",
    "type": "question", "priority": "normal", "status": "open", "requester_id": 900000000101,
    "submitter_id": 900000000101, "assignee_id": 900000000202, "organization_id": 360000000777,
    "group_id": 360000000555, "brand_id": 360000000111, "form_id": 360000000333,
    "external_id": None, "tags": ["billing"], "via": {"channel": "web"},
}

# connector name -> extra keys of ticket_event (A.3; undocumented ones get plausible shapes)
CONNECTOR = {
    "Agent Assignment Changed": {"previous": 900000000203, "current": 900000000202},
    "Attachment Linked to Comment": {"attachment": {"id": 31000000000900, "content_url": "https://example.zendesk.com/attachments/token/abc/?name=invoice.pdf", "content_type": "application/pdf", "filename": "invoice.pdf", "is_public": True, "comment_id": 31000000000501}},
    "Attachment Redacted from Comment": {"attachment": {"id": 31000000000900, "comment_id": 31000000000501}},
    "Brand Changed": {"previous": 360000000110, "current": 360000000111},
    "Comment Created": {"comment": {"id": 31000000000501, "body": "I was charged twice this month.", "is_public": True, "author": {"id": 900000000101, "name": "Ada Example", "is_staff": False}}},
    "Comment Made Private": {"comment": {"id": 31000000000501}},
    "Comment Redacted": {"comment": {"id": 31000000000501}},
    "Custom Field Changed": {"custom_field": {"id": 360000001234, "title": "Plan", "field_type": "tagger"}, "previous": "plan_basic", "current": "plan_pro"},
    "Description Changed": {"previous": "I was charged twice.", "current": "I was charged twice this month."},
    "Email CCs Changed": {"previous": [], "current": [900000000404]},
    "External ID Changed": {"previous": None, "current": "order-5521"},
    "Followers Changed": {"previous": [], "current": [900000000203]},
    "Form Changed": {"previous": 360000000332, "current": 360000000333},
    "Group Assignment Changed": {"previous": 360000000554, "current": 360000000555},
    "Organization Changed": {"previous": None, "current": 360000000777},
    "Priority Changed": {"previous": "normal", "current": "high"},
    "Problem Link Changed": {"previous": None, "current": 48100},
    "Requester Changed": {"previous": 900000000100, "current": 900000000101},
    "Status Changed": {"previous": "new", "current": "open"},
    "Subject Changed": {"previous": "Charge", "current": "Double charge"},
    "Submitter Changed": {"previous": 900000000100, "current": 900000000101},
    "Tags Changed": {"previous": ["billing"], "current": ["billing", "refund"]},
    "Task Due At Changed": {"previous": None, "current": "2025-03-14T12:00:00Z"},
    "Ticket Created": {},
    "Ticket Marked as Spam": {},
    "Ticket Merged": {},
    "Ticket Permanently Deleted": {},
    "Ticket Soft Deleted": {},
    "Ticket Type Changed": {"previous": "question", "current": "incident"},
    "Ticket Undeleted": {},
}

UPPER = {"type", "priority", "status"}


def slug(name):
    return name.lower().replace(" ", "-")


def seq_id(name):
    return hashlib.md5(name.encode()).hexdigest().upper()


def connector_event(name, extra, position=1):
    ticket = copy.deepcopy(TICKET)
    if name == "Comment Created":
        ticket["status"] = "new"
    event = {"meta": {"version": "1.0", "occurred_at": "2025-03-10T15:01:11.204331907Z", "ref": "14-702219931",
                      "sequence": {"id": seq_id(name), "position": position, "total": 3}, "actor_id": 900000000202},
             "type": name, **copy.deepcopy(extra), "ticket": ticket}
    return {"version": "0", "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "eb:" + name)),
            "detail-type": f"Support Ticket: {name}", "source": "aws.partner/zendesk.com/7654321/default",
            "account": "210987654321", "time": "2025-03-10T15:01:12Z", "region": "eu-west-1",
            "resources": ["Support Ticket"], "detail": {"ticket_event": event}}


WEBHOOK_DETAIL = {
    "actor_id": "900000000202", "assignee_id": "900000000202", "brand_id": "360000000111",
    "created_at": "2026-03-10T14:22:05Z", "custom_status": "360000000901",
    "description": "I was charged twice this month.", "external_id": None, "form_id": "360000000333",
    "group_id": "360000000555", "id": "48213", "is_public": True, "organization_id": "360000000777",
    "priority": "NORMAL", "requester_id": "900000000101", "status": "OPEN", "subject": "Double charge",
    "submitter_id": "900000000101", "tags": ["billing"], "type": "QUESTION",
    "updated_at": "2026-03-10T15:01:11Z", "via": {"channel": "web"},
}

# webhook suffix -> `event` object (B.4)
WEBHOOK = {
    "agent_assignment_changed": {"previous": "900000000203", "current": "900000000202"},
    "attachment_linked_to_comment": {"comment": {"id": "31000000000777", "attachment": {"id": "31000000000900", "content_type": "application/pdf", "content_url": "https://example.zendesk.com/attachments/token/abc/?name=invoice.pdf", "filename": "invoice.pdf", "is_public": True}}},
    "attachment_redacted_from_comment": {"comment": {"id": "31000000000777", "attachment": {"id": "31000000000900"}}},
    "brand_changed": {"previous": "360000000110", "current": "360000000111"},
    "comment_added": {"comment": {"id": "31000000000777", "body": "Refund issued.", "html_body": "<div><p>Refund issued.</p></div>", "is_public": True, "author": {"id": "900000000202", "is_staff": True, "name": "Sam Agent"}}},
    "comment_made_private": {"comment": {"id": "31000000000777"}},
    "comment_redacted": {"comment": {"id": "31000000000777"}},
    "created": {},
    "custom_field_changed": {"custom_field": {"id": "360000001234", "title": "Plan", "type": "tagger"}, "current": {"value": "plan_pro"}, "previous": {"value": "plan_basic"}},
    "custom_status_changed": {"previous": "360000000900", "current": "360000000901"},
    "description_changed": {"previous": "I was charged twice.", "current": "I was charged twice this month."},
    "email_ccs_changed": {"users_added": ["900000000404"], "users_removed": []},
    "external_id_changed": {"previous": None, "current": "order-5521"},
    "followers_changed": {"users_added": ["900000000203"], "users_removed": []},
    "form_changed": {"previous": "360000000332", "current": "360000000333"},
    "group_assignment_changed": {"previous": "360000000554", "current": "360000000555"},
    "marked_as_spam": {},
    "merged": {"target_ticket_id": "48100"},
    "organization_changed": {"previous": None, "current": "360000000777"},
    "permanently_deleted": {},
    "priority_changed": {"previous": "NORMAL", "current": "HIGH"},
    "problem_link_changed": {"previous": None, "current": "48100"},
    "requester_changed": {"previous": "900000000100", "current": "900000000101"},
    "soft_deleted": {},
    "status_changed": {"previous": "NEW", "current": "OPEN"},
    "subject_changed": {"previous": "Charge", "current": "Double charge"},
    "submitter_changed": {"previous": "900000000100", "current": "900000000101"},
    "tags_changed": {"tags_added": ["refund"], "tags_removed": []},
    "task_due_at_changed": {"previous": None, "current": "2026-03-14T12:00:00Z"},
    "type_changed": {"previous": "QUESTION", "current": "INCIDENT"},
    "sla_policy_changed": {"previous": None, "current": {"id": "360000005555", "title": "Gold"}},
    "schedule_changed": {"previous": None, "current": {"id": "360000006666", "name": "EU hours"}},
    "ola_policy_changed": {"previous": None, "current": {"id": "360000007777", "title": "Tier 2"}},
}


def webhook_event(suffix, event, position=2):
    detail = copy.deepcopy(WEBHOOK_DETAIL)
    if suffix == "status_changed":
        detail["tags"] = None
    body = {"meta": {"sequence": {"id": seq_id(suffix), "position": position}}, **copy.deepcopy(event)}
    if suffix == "created":
        body = {}
    return {"account_id": 4410022, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "wh:" + suffix)),
            "subject": "zen:ticket:48213", "time": "2026-03-10T15:01:11.204331907Z",
            "type": f"zen:event-type:ticket.{suffix}", "zendesk_event_version": "2022-11-06",
            "detail": detail, "event": body}


def intercom_notification(topic, n, created_at, item):
    return {"type": "notification_event", "app_id": "tb5x9q2k",
            "id": "notif_" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"intercom:{topic}:{n}")),
            "topic": topic, "created_at": created_at, "delivery_attempts": 1, "first_sent_at": created_at,
            "data": {"type": "notification_event_data", "item": item}}


INTERCOM_CONTACT = {"type": "contact", "id": "65f0c0ffee0000000000aa01", "external_id": "user-4242",
                    "email": "ada@example.com"}


def intercom_conversation(extra):
    item = {"type": "conversation", "id": "184003000000123", "created_at": 1773150000, "updated_at": 1773150000,
            "state": "open", "open": True, "admin_assignee_id": 5784329,
            "source": {"type": "conversation", "delivered_as": "customer_initiated",
                       "subject": "", "body": "<p>My invoice is wrong</p>",
                       "author": {"type": "user", "id": INTERCOM_CONTACT["id"], "email": INTERCOM_CONTACT["email"]}},
            "contacts": {"type": "contact.list", "contacts": [copy.deepcopy(INTERCOM_CONTACT)]}}
    item.update(extra)
    return item


INTERCOM = {
    "conversation.user.created": (1773150000, {}),
    "conversation.admin.closed": (1773152526, {
        "state": "closed", "open": False,
        "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [
            {"type": "conversation_part", "id": "2004", "part_type": "close", "body": "<p>Fixed, thanks!</p>",
             "created_at": 1773152526, "author": {"type": "admin", "id": "5784329", "name": "Grace"}}]}}),
    "conversation.rating.added": (1773156000, {
        "state": "closed", "open": False,
        "conversation_rating": {"rating": 2, "remark": "Took too long", "created_at": 1773156000,
                                "contact": {"type": "contact", "id": INTERCOM_CONTACT["id"], "external_id": "user-4242"},
                                "teammate": {"type": "admin", "id": "5784329"}}}),
}


def eventbridge(detail_type, source, detail, event_id):
    return {"version": "0", "id": event_id, "detail-type": detail_type, "source": source,
            "account": "210987654321", "time": "2026-03-10T15:01:12Z", "region": "eu-west-1",
            "resources": [], "detail": detail}


def sns_record(message, n):
    return {"EventSource": "aws:sns", "EventVersion": "1.0",
            "EventSubscriptionArn": "arn:aws:sns:eu-west-1:210987654321:ticketbridge-mixpanel:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
            "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sns:{n}")),
                    "TopicArn": "arn:aws:sns:eu-west-1:210987654321:ticketbridge-mixpanel", "Subject": None,
                    "Message": json.dumps(message, separators=(",", ":")), "Timestamp": "2026-03-10T15:01:12.538Z",
                    "SignatureVersion": "1", "Signature": "EXAMPLE", "SigningCertUrl": "EXAMPLE",
                    "UnsubscribeUrl": "EXAMPLE", "MessageAttributes": {}}}


def sns_notification(message, n):
    record = sns_record(message, n)["Sns"]
    return json.dumps(record, separators=(",", ":"))


def sqs_record(body, n):
    return {"messageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sqs:{n}")), "receiptHandle": f"AQEB{n}",
            "body": body, "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1773155272538",
                                         "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1773155272540"},
            "messageAttributes": {}, "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:210987654321:ticketbridge-mixpanel",
            "awsRegion": "eu-west-1"}


def write(rel, obj, raw=False):
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(obj if raw else json.dumps(obj, indent=2) + "\n")


def main():
    connector = {name: connector_event(name, extra) for name, extra in CONNECTOR.items()}
    for name, ev in connector.items():
        write(f"connector/{slug(name)}.json", ev)
    webhooks = {suffix: webhook_event(suffix, ev) for suffix, ev in WEBHOOK.items()}
    for suffix, ev in webhooks.items():
        write(f"webhook/ticket.{suffix}.json", ev)

    on_bus = eventbridge("zen:event-type:ticket.comment_added", "ticketbridge.zendesk",
                         webhooks["comment_added"], "0b7c2e55-9f4e-4a51-8c7e-77a1c40a3f10")
    write("webhook-on-bus/ticket.comment_added.json", on_bus)

    for n, (topic, (created_at, extra)) in enumerate(INTERCOM.items()):
        write(f"intercom/{topic}.json", intercom_notification(topic, n, created_at, intercom_conversation(extra)))

    account_webhooks()

    write("wrapped/sns-connector-status-changed.json", {"Records": [sns_record(connector["Status Changed"], 1)]})
    write("wrapped/sns-webhook-comment-added.json", {"Records": [sns_record(webhooks["comment_added"], 2)]})
    raw = [connector["Ticket Created"], connector["Comment Created"], webhooks["priority_changed"]]
    write("wrapped/sqs-raw.json", {"Records": [sqs_record(json.dumps(e, separators=(",", ":")), 10 + i) for i, e in enumerate(raw)]})
    wrapped = [connector["Agent Assignment Changed"], on_bus]
    write("wrapped/sqs-sns-notification.json", {"Records": [sqs_record(sns_notification(e, 20 + i), 20 + i) for i, e in enumerate(wrapped)]})

    bad_id = copy.deepcopy(connector["Status Changed"])
    bad_id["detail"]["ticket_event"]["ticket"]["id"] = "forty-two"
    write("malformed/connector-bad-ticket-id.json", bad_id)
    no_time = copy.deepcopy(webhooks["status_changed"])
    del no_time["time"]
    write("malformed/webhook-missing-time.json", no_time)
    write("malformed/not-a-zendesk-event.json", {"hello": "world"})
    user_event = eventbridge("Support User: User Created", "aws.partner/zendesk.com/7654321/default",
                             {"user_event": {"type": "User Created"}}, "d1f0a7c2-0000-4000-8000-000000000001")
    write("malformed/not-a-ticket-event.json", user_event)
    routing_samples(connector)
    privacy_samples(connector, webhooks)
    mixed = [sqs_record(json.dumps(connector["Ticket Created"], separators=(",", ":")), 30),
             sqs_record("this is not JSON", 31),
             sqs_record(json.dumps(bad_id, separators=(",", ":")), 32)]
    write("malformed/sqs-with-bad-records.json", {"Records": mixed})
    store_stream_samples()
    metric_event_samples()


def account_webhooks():
    """Zendesk user and organization webhooks for the sample ticket's requester and organization,
    with personal data (e-mail, name, phone, notes, details, domains) that must not leave by
    default: the demo sends them through the bridge to requester and group profiles."""
    def webhook(kind, subject_id, detail):
        return {"account_id": 4410022, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"wh:{kind}.created")),
                "subject": f"zen:{kind}:{subject_id}", "time": "2026-03-10T14:20:00.000000000Z",
                "type": f"zen:event-type:{kind}.created", "zendesk_event_version": "2022-11-06",
                "detail": detail, "event": {}}
    write("webhook-accounts/user.created.json", webhook("user", "900000000101", {
        "id": "900000000101", "role": "END_USER", "organization_id": "360000000777",
        "default_group_id": "", "locale": "en-GB", "time_zone": "London", "tags": ["vip"],
        "created_at": "2024-01-02T03:04:05Z", "last_login_at": "2026-03-01T09:00:00Z",
        "email": PERSONAL["email"], "name": "Ada Lovelace", "phone": PERSONAL["phone"],
        "active": True, "verified": True}))
    write("webhook-accounts/organization.created.json", webhook("organization", "360000000777", {
        "id": "360000000777", "name": "Acme Ltd", "tags": ["gold"], "group_id": "360000000555",
        "created_at": "2023-05-06T07:08:09Z", "notes": "Owes us money; call Ada first",
        "details": "VIP account, " + PERSONAL["phone"], "domain_names": ["acme.example"],
        "external_id": None}))


def routing_samples(connector):
    """Variants that the example rules in infra/rules/examples/ branch on (priority, form, tags,
    status, rating): each example has a sample it must route and one it must not."""
    def variant(name, **ticket):
        event = copy.deepcopy(connector[name])
        event["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "routing:" + json.dumps(ticket, sort_keys=True)))
        event["detail"]["ticket_event"]["meta"]["sequence"]["id"] = seq_id("routing:" + event["id"])
        event["detail"]["ticket_event"]["ticket"].update(ticket)
        return event
    write("routing/urgent-vip-ticket-created.json",
          variant("Ticket Created", id=48301, priority="urgent", tags=["vip", "billing"]))
    write("routing/high-priority-enterprise-form-status-changed.json",
          variant("Status Changed", id=48302, priority="high", form_id=360000000444))
    write("routing/vip-ticket-closed.json",
          variant("Status Changed", id=48303, status="closed", tags=["vip"]))
    # A status change to solved: the Zendesk-trigger recipe's "Ticket Updated".
    solved = variant("Status Changed", id=48304, status="solved")
    solved["detail"]["ticket_event"]["previous"] = "open"
    solved["detail"]["ticket_event"]["current"] = "solved"
    write("routing/ticket-solved.json", solved)
    # A good rating, in the shape webhook-bridge publishes (events/intercom-on-bus/).
    rated = json.loads((ROOT / "intercom-on-bus/conversation.rating.added.json").read_text())
    rated["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "routing:rated-5"))
    rated["detail"]["notification_id"] = "notif_" + str(uuid.uuid5(uuid.NAMESPACE_URL, "routing:rated-5"))
    rated["detail"]["rating"] = 5
    rated["detail"]["remark"] = "Quick and kind"
    write("routing/intercom-conversation-rated-5.json", rated)


# Personal data the privacy tests search every output for: none of it may leave by default.
PERSONAL = {"email": "ada.lovelace@example.com", "cc_email": "grace.hopper@example.com",
            "phone": "+44 20 7946 0958"}


def privacy_samples(connector, webhooks):
    """Every field Zendesk documents for ticket events, plus personal data in keys the model does
    not name (tests/e2e/privacy.rs): an unknown key on ticket_event, a free-text custom field's
    value, CC addresses, subject, description, comment bodies and author names."""
    def with_id(event, key):
        event["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "privacy:" + key))
        event["detail"]["ticket_event"]["meta"]["sequence"]["id"] = seq_id("privacy:" + key)
        return event
    comment = with_id(copy.deepcopy(connector["Comment Created"]), "comment")
    te = comment["detail"]["ticket_event"]
    te["comment"]["html_body"] = "<p>I was charged twice this month.</p>"
    te["requester_email"] = PERSONAL["email"]
    te["callback"] = {"phone": PERSONAL["phone"], "name": "Ada Lovelace"}
    te["ticket"].update(subject="Call me on " + PERSONAL["phone"], description="Write to " + PERSONAL["email"],
                        requester_phone=PERSONAL["phone"], external_id="order-5521")
    write("privacy/connector-comment-created-everything.json", comment)

    ccs = with_id(copy.deepcopy(connector["Email CCs Changed"]), "ccs")
    te = ccs["detail"]["ticket_event"]
    te["previous"] = [{"id": 900000000404, "email": PERSONAL["cc_email"], "name": "Grace Hopper"}]
    te["current"] = [PERSONAL["cc_email"], 900000000405, "900000000406"]
    te["email_ccs"] = [PERSONAL["cc_email"]]
    write("privacy/connector-email-ccs-changed-addresses.json", ccs)

    field = copy.deepcopy(webhooks["custom_field_changed"])
    field["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "privacy:custom-field"))
    field["event"]["custom_field"] = {"id": "360000009999", "title": "Callback number", "type": "text"}
    field["event"]["current"] = {"value": PERSONAL["phone"] + ", " + PERSONAL["email"]}
    field["event"]["previous"] = {"value": None}
    field["event"]["requester_email"] = PERSONAL["email"]
    field["detail"]["requester_phone"] = PERSONAL["phone"]
    field["detail"]["subject"] = "Call me on " + PERSONAL["phone"]
    write("privacy/webhook-custom-field-free-text.json", field)
    on_bus = eventbridge(field["type"], "ticketbridge.zendesk", field, "5f1c7d3a-2b8e-4c61-9d0f-3a7b9e2c4d15")
    write("privacy/webhook-on-bus-custom-field-free-text.json", on_bus)


def dynamo(value):
    """A JSON value as a DynamoDB attribute value (the stream's wire form)."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [dynamo(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: dynamo(v) for k, v in value.items()}}
    return {"NULL": True}


def stream_record(name, n, ticket_id, image, created):
    """One record of a DynamoDB stream invocation of the ticket store's table."""
    change = {"ApproximateCreationDateTime": created, "Keys": {"ticket_id": {"N": str(ticket_id)}},
              "SequenceNumber": f"4421584500000000{n:012d}", "SizeBytes": 512,
              "StreamViewType": "NEW_IMAGE"}
    if image is not None:
        change["NewImage"] = {k: dynamo(v) for k, v in image.items()}
    return {"eventID": hashlib.md5(f"stream:{n}".encode()).hexdigest(), "eventName": name,
            "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "eu-west-1",
            "dynamodb": change,
            "eventSourceARN": "arn:aws:dynamodb:eu-west-1:210987654321:table/ticketbridge-tickets/stream/2025-03-01T00:00:00.000"}


def store_stream_samples():
    """What the ticket store's stream delivers to mixpanel-sink: ticket 48213 opened, set
    pending, then solved (its last image holds a subject and a custom field value the store
    keeps with INCLUDE_SUBJECT and CUSTOM_FIELD_VALUES, which must not reach Mixpanel); ticket
    48214 created; ticket 48100 removed from the table."""
    def item(ticket_id, status, at, identity, **extra):
        nanos = f"{int(__import__('datetime').datetime.fromisoformat(at.replace('Z', '+00:00')).timestamp()) * 10**9:020d}"
        base = {"ticket_id": ticket_id, "status": status, "priority": "normal", "ticket_type": "question",
                "channel": "web", "requester_id": TICKET["requester_id"], "assignee_id": TICKET["assignee_id"],
                "group_id": TICKET["group_id"], "organization_id": TICKET["organization_id"], "tags": ["billing"],
                "created_at": TICKET["created_at"], "updated_at": at, "last_event_at": at,
                "last_event_type": "Status Changed", "version": f"{nanos}#{identity}"}
        base.update(extra)
        return base
    records = [
        stream_record("INSERT", 1, 48213, item(48213, "open", "2025-03-10T14:22:05Z", "created-48213"), 1741616525),
        stream_record("INSERT", 2, 48214, item(48214, "new", "2025-03-10T14:30:00Z", "created-48214"), 1741617000),
        stream_record("MODIFY", 3, 48213, item(48213, "pending", "2025-03-10T15:01:11Z", "status-48213-1"), 1741618871),
        stream_record("MODIFY", 4, 48213, item(48213, "solved", "2025-03-10T16:40:00Z", "status-48213-2",
                                               subject="Double charge on my card",
                                               custom_field_360000009999="call me on " + PERSONAL["phone"]), 1741624800),
        stream_record("REMOVE", 5, 48100, None, 1741624900),
    ]
    write("dynamodb-stream/ticket-store-changes.json", {"Records": records})


def metric_event_samples():
    """A page of Zendesk's ticket metric event export with each SLA case, for ticket-metrics'
    SLA pass read at 2025-03-10T18:00:00Z (tests/sla_samples.rs there writes what it publishes
    to sla-on-bus/): ticket 48213 breaches its first-reply target and is replied to after;
    48214 is replied to in time, and its breach, recorded ahead, is deleted; 48215's breach is
    still ahead at 19:00; 48216's resolution metric has no SLA."""
    urgent = {"target": 60, "business_hours": False,
              "policy": {"id": 360000002001, "title": "Urgent tickets", "description": "Reply within the hour"}}
    n = iter(range(1, 100))

    def ev(ticket, kind, at, metric="reply_time", **extra):
        item = {"id": 5000000000 + next(n), "ticket_id": ticket, "metric": metric, "instance_id": 1,
                "type": kind, "time": at}
        item.update(extra)
        return item
    events = [
        ev(48213, "activate", "2025-03-10T14:22:05Z"),
        ev(48213, "apply_sla", "2025-03-10T14:22:05Z", sla=urgent),
        ev(48214, "apply_sla", "2025-03-10T14:30:00Z", sla=urgent),
        ev(48214, "fulfill", "2025-03-10T15:01:11Z"),
        ev(48213, "breach", "2025-03-10T15:22:05Z"),
        ev(48214, "breach", "2025-03-10T15:30:00Z", deleted=True),
        ev(48213, "fulfill", "2025-03-10T16:40:00Z"),
        ev(48213, "update_status", "2025-03-10T16:40:00Z", status={"calendar": 138, "business": 138}),
        ev(48216, "fulfill", "2025-03-10T17:00:00Z", metric="resolution_time"),
        ev(48215, "apply_sla", "2025-03-10T18:00:00Z",
           sla={"target": 60, "business_hours": True, "policy": {"id": 360000002001, "title": "Urgent tickets"}}),
        ev(48215, "breach", "2025-03-10T19:00:00Z"),
    ]
    write("zendesk-api/ticket-metric-events-page.json",
          {"ticket_metric_events": events, "count": len(events), "end_time": 1741633200,
           "next_page": "https://example.zendesk.com/api/v2/incremental/ticket_metric_events.json?start_time=1741633200",
           "end_of_stream": True})


if __name__ == "__main__":
    main()
