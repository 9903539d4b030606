from followup import MAX_BODY


def test_a_body_over_the_limit_is_refused_with_a_page_before_it_is_read(client):
    refused = client.post("/webhooks/twilio/inbound", data=b"x" * (MAX_BODY + 1), content_type="text/plain")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 413 and "För mycket på en gång" in html
    assert refused.headers["Connection"] == "close"
    assert refused.headers["Content-Security-Policy"]


def test_a_body_within_the_limit_is_read(client):
    # The webhook reads it, and refuses it for its missing signature, not for its size.
    assert client.post("/webhooks/twilio/inbound", data={"Body": "x" * 10_000}).status_code == 403
