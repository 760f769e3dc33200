"""CPR numbers without HTTP: the shape, the date of birth with its century, encryption and the key."""

from datetime import date

import pytest
from cryptography.fernet import Fernet

from app.config import ProductionConfig
from app.core import cpr


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("250989-1234", "2509891234"), ("2509891234", "2509891234"), (" 250989 1234 ", "2509891234")],
)
def test_normalize_accepts_the_usual_ways_of_typing(typed, digits):
    """Are '250989-1234', '2509891234' and '250989 1234' all the same ten digits?"""
    assert cpr.normalize(typed) == digits


@pytest.mark.parametrize("typed", ["", "25098-91234", "250989-12345", "2509891234x", "٢٥٠٩٨٩١٢٣٤"])
def test_normalize_refuses_other_shapes(typed):
    """Is anything but six digits, an optional dash or space, and four digits refused?"""
    assert cpr.normalize(typed) is None


@pytest.mark.parametrize(
    ("number", "born"),
    [
        ("0101301234", date(1930, 1, 1)),  # 7th digit 0-3: 1900s
        ("0101364234", date(2036, 1, 1)),  # 4 with year ≤ 36: 2000s
        ("0101374234", date(1937, 1, 1)),  # 4 with year ≥ 37: 1900s
        ("0101575234", date(2057, 1, 1)),  # 5-8 with year ≤ 57: 2000s
        ("0101588234", date(1858, 1, 1)),  # 5-8 with year ≥ 58: 1800s
        ("0101109234", date(2010, 1, 1)),  # 9 with year ≤ 36: 2000s
        ("0101509234", date(1950, 1, 1)),  # 9 with year ≥ 37: 1900s
        ("2902001234", None),  # 1900 was no leap year
        ("2902004234", date(2000, 2, 29)),  # 2000 was
    ],
)
def test_birth_date_follows_the_century_table(number, born):
    """Does the seventh digit with the year give the century, and is an impossible date none?"""
    assert cpr.birth_date(number) == born


def test_is_valid_refuses_a_date_of_birth_in_the_future(app):
    """Is a number whose date of birth has not come yet refused, and one from the past accepted?"""
    assert cpr.is_valid("0101304234") is False  # 1 January 2030
    assert cpr.is_valid("0101901234") is True


def test_encryption_round_trip_and_no_digits_in_the_token(app):
    """Does a number come back from its encryption, does the token not hold it, and do two encryptions
    of one number differ (so equal numbers cannot be spotted in the database)?"""
    first, second = cpr.encrypt("2509891234"), cpr.encrypt("2509891234")
    assert first != second
    assert cpr.decrypt(first) == cpr.decrypt(second) == "2509891234"
    assert "2509891234" not in first and "250989" not in first


def test_a_rotated_key_still_decrypts_the_old_numbers(app):
    """With a new key first and the old one after it, are old numbers read and new ones written with
    the new key?"""
    old = app.config["CPR_ENCRYPTION_KEY"]
    token = cpr.encrypt("2509891234")
    new = Fernet.generate_key().decode()
    app.config["CPR_ENCRYPTION_KEY"] = f"{new},{old}"
    assert cpr.decrypt(token) == "2509891234"
    fresh = cpr.encrypt("0101901234")
    app.config["CPR_ENCRYPTION_KEY"] = new
    assert cpr.decrypt(fresh) == "0101901234"
    with pytest.raises(cpr.CprKeyError):
        cpr.decrypt(token)


def test_without_a_key_development_makes_one_in_the_instance_folder(app, tmp_path):
    """With no CPR_ENCRYPTION_KEY, is a key made once in <instance>/cpr/key (readable by the owner only)
    and used from then on?"""
    app.instance_path = str(tmp_path)
    app.config["CPR_ENCRYPTION_KEY"] = None
    token = cpr.encrypt("2509891234")
    key_file = tmp_path / "cpr" / "key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert cpr.decrypt(token) == "2509891234"
    Fernet(key_file.read_bytes())  # a valid key


@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_production_refuses_to_start_without_a_usable_key(monkeypatch, key):
    """Does ProductionConfig refuse to start without CPR_ENCRYPTION_KEY or with one that is no key?"""
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "CPR_ENCRYPTION_KEY", key)
    with pytest.raises(RuntimeError, match="CPR_ENCRYPTION_KEY"):
        ProductionConfig.check()


def test_production_starts_with_a_key(monkeypatch):
    """Does ProductionConfig accept a proper key (with the other production settings in order)?"""
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "CPR_ENCRYPTION_KEY", Fernet.generate_key().decode())
    ProductionConfig.check()


def test_production_with_digital_post_needs_its_address_sender_and_certificate(monkeypatch):
    """With digital_post in DELIVERY_CHANNELS, does production refuse to start without the URL, the sender
    and the system certificate, naming what is missing?"""
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "CPR_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setattr(ProductionConfig, "DELIVERY_CHANNELS", ("digital_post", "email"))
    monkeypatch.setattr(ProductionConfig, "DIGITAL_POST_URL", "https://api.test.digitalpost.dk/apis/v1/x")
    monkeypatch.setattr(ProductionConfig, "DIGITAL_POST_SENDER_ID", None)
    monkeypatch.setattr(ProductionConfig, "DIGITAL_POST_CERT_PATH", None)
    with pytest.raises(RuntimeError, match="DIGITAL_POST_SENDER_ID, DIGITAL_POST_CERT_PATH"):
        ProductionConfig.check()
