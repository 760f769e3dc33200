"""The order of delivery channels from configuration, without sending anything."""

import pytest

from app.delivery import services


@pytest.mark.parametrize(
    ("configured", "email_enabled", "expected"),
    [
        (("digital_post", "email"), True, ["digital_post", "email"]),
        (("email", "digital_post"), True, ["email", "digital_post"]),
        (("digital_post", "email"), False, ["digital_post"]),
        ("digital_post, email", True, ["digital_post", "email"]),  # as typed in the environment
        (("email", "fax", "email"), True, ["email"]),  # unknown and repeated names are dropped
        ((), True, []),
    ],
)
def test_channels_follow_the_configured_order(app, configured, email_enabled, expected):
    """Does DELIVERY_CHANNELS give the order, with e-mail left out while DELIVERY_EMAIL_ENABLED is off?"""
    app.config.update(DELIVERY_CHANNELS=configured, DELIVERY_EMAIL_ENABLED=email_enabled)
    assert services.channels() == expected
