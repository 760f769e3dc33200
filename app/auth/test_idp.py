"""A SAML identity provider for development and tests only, built with pysaml2 like the SP.

It is never part of the app: `flask saml-test-idp` serves it on 127.0.0.1 for the demo, and the tests run it
in a thread with keys they make. It signs real assertions (and encrypts them to the SP's certificate when
asked), checks the SP's signed requests against the SP's metadata, and speaks Single Logout both ways.
People log in by choosing one of `people` on its page: there is no password at this IdP.
"""

from __future__ import annotations

import base64
import html
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import Config, IdPConfig
from saml2.metadata import create_metadata_string, entity_descriptor, sign_entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import security_context
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app.auth.saml import (
    LOA_CONTEXT_PREFIX,
    OIO_CVR,
    OIO_EMAIL,
    OIO_FULL_NAME,
    OIO_LOA,
    OIO_PERSISTENT_UUID,
    OIO_PRIVILEGES,
    OIO_SPEC_VERSION,
    XMLSEC_BINARY,
)

PRIVILEGE_PREFIX = "urn:dk:kommune:eftervaern:privilege:"
TEAM_PREFIX = "urn:dk:kommune:eftervaern:team:"


def privilege_list(*privileges: str, cvr: str = "29189846") -> str:
    """An OIOSAML basic privilege profile value: a PrivilegeList for the organisation, base64-encoded."""
    items = "".join(f"<Privilege>{html.escape(p)}</Privilege>" for p in privileges)
    xml = (
        '<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">'
        f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">{items}</PrivilegeGroup>'
        "</bpp:PrivilegeList>"
    )
    return base64.b64encode(xml.encode()).decode()


@dataclass
class Person:
    """Someone the test IdP can vouch for."""

    uuid: str
    full_name: str
    email: str
    privileges: tuple[str, ...] = ()
    loa: str = "Substantial"
    extra: dict[str, list[str]] = field(default_factory=dict)

    def attributes(self) -> dict[str, list[str]]:
        return {
            OIO_SPEC_VERSION: ["OIO-SAML-3.0"],
            OIO_LOA: [self.loa],
            OIO_PERSISTENT_UUID: [self.uuid],
            OIO_FULL_NAME: [self.full_name],
            OIO_EMAIL: [self.email],
            OIO_CVR: ["29189846"],
            OIO_PRIVILEGES: [privilege_list(*self.privileges)],
            **self.extra,
        }


def demo_people() -> dict[str, Person]:
    """The demo municipality's staff (app/demo.py) as the IdP knows them, and two it does not."""
    team = TEAM_PREFIX + "virksomhedsteamet"

    def person(key: str, name: str, initials: str, *privileges: str) -> tuple[str, Person]:
        return key, Person(
            str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
            name,
            f"{initials}@demo-kommune.example",
            (*tuple(PRIVILEGE_PREFIX + p for p in privileges), team),
        )

    return dict(
        [
            person("mekj", "Mette Kjærgaard", "mekj", "jobformidler"),
            person("bila", "Birgitte Lauridsen", "bila", "leder"),
            person("peho", "Per Holm", "peho", "admin"),
            person("ny", "Nanna Nyansat", "nany", "jobformidler"),
            person("ingen", "Ib Ingenrolle", "ibin"),
        ]
    )


def demo_role_map() -> dict[str, str]:
    return {
        PRIVILEGE_PREFIX + "jobformidler": "jobformidler",
        PRIVILEGE_PREFIX + "leder": "supervisor",
        PRIVILEGE_PREFIX + "admin": "admin",
    }


def demo_team_map(team_name: str) -> dict[str, str]:
    return {TEAM_PREFIX + "virksomhedsteamet": team_name}


class TestIdP:
    """The identity provider: its pysaml2 Server and the WSGI pages around it."""

    def __init__(
        self,
        base_url: str,
        cert_file: str,
        key_file: str,
        sp_metadata: str,
        people: dict[str, Person],
        *,
        lifetime_minutes: int = 5,
        encrypt: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cert_file, self.key_file = cert_file, key_file
        self.people = people
        self.encrypt = encrypt
        self.lifetime_minutes = lifetime_minutes
        self.sp_metadata = sp_metadata
        # NameID → the SP it was given to: the IdP's sessions, ended by either side's Single Logout.
        self.sessions: dict[str, dict[str, str]] = {}
        # (cert, key) that signs the published metadata; None: unsigned (a metadata file handed over).
        self.metadata_signer: tuple[str, str] | None = None
        # What /metadata serves instead of the metadata, when set (tests of metadata that was tampered with).
        self.served_metadata: str | None = None
        self.server = self._server(sp_metadata)

    @property
    def entity_id(self) -> str:
        return self.base_url + "/metadata"

    def _config(self, sp_metadata: str, lifetime_minutes: int | None = None) -> dict[str, Any]:
        lifetime = self.lifetime_minutes if lifetime_minutes is None else lifetime_minutes
        return {
            "entityid": self.entity_id,
            "xmlsec_binary": XMLSEC_BINARY,
            "key_file": self.key_file,
            "cert_file": self.cert_file,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {
                "idp": {
                    "name": "Test-IdP (kun udvikling)",
                    "endpoints": {
                        "single_sign_on_service": [(self.base_url + "/sso", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(self.base_url + "/slo", BINDING_HTTP_REDIRECT)],
                    },
                    "want_authn_requests_signed": True,
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": lifetime},
                            "name_form": NAME_FORMAT_URI,
                            "attribute_restrictions": None,
                        }
                    },
                }
            },
            "metadata": {"inline": [sp_metadata]},
        }

    def _server(self, sp_metadata: str) -> Server:
        idp = IdPConfig()
        idp.load(self._config(sp_metadata))
        return Server(config=idp)

    def variant(
        self,
        *,
        key_file: str | None = None,
        cert_file: str | None = None,
        lifetime_minutes: int | None = None,
    ) -> Server:
        """The same IdP entity signing with another key, or giving assertions another lifetime (the tests'
        bad answers: a key its metadata does not name, an assertion already expired)."""
        config = self._config(self.sp_metadata, lifetime_minutes)
        if key_file:
            config["key_file"], config["cert_file"] = key_file, cert_file
        idp = IdPConfig()
        idp.load(config)
        return Server(config=idp)

    def metadata_xml(self) -> str:
        """The IdP's metadata; signed as a whole when `metadata_signer` (cert, key) is set, as a
        federation signs the metadata it publishes."""
        config = IdPConfig()
        config.load({**self._config(self.sp_metadata), "metadata": {}})
        if self.metadata_signer is None:
            return create_metadata_string(None, config=config, valid=24, sign=False).decode()
        signer = Config()
        signer.cert_file, signer.key_file = self.metadata_signer
        signer.xmlsec_binary = XMLSEC_BINARY
        _, signed = sign_entity_descriptor(
            entity_descriptor(config), None, security_context(signer), SIG_RSA_SHA256, DIGEST_SHA256
        )
        return signed

    # ----- making responses (the tests call these directly to make bad ones) -----

    def parse_request(self, args: dict[str, str]) -> Any:
        """The SP's AuthnRequest from the redirect's query, its signature checked with the SP's metadata."""
        return self.server.parse_authn_request(
            args["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=args.get("RelayState"),
            sigalg=args.get("SigAlg"),
            signature=args.get("Signature"),
        )

    def response_xml(
        self,
        request: Any,
        person: Person,
        *,
        sign: bool = True,
        audience: str | None = None,
        server: Server | None = None,
        encrypt: bool | None = None,
    ) -> str:
        """A Response to `request` for `person`, signed (assertion) unless `sign` is False."""
        message = request.message
        sp_entity = message.issuer.text
        destination = message.assertion_consumer_service_url
        name_id = NameID(
            text=person.uuid,
            format=NAMEID_FORMAT_PERSISTENT,
            name_qualifier=self.entity_id,
            sp_name_qualifier=sp_entity,
        )
        encrypt = self.encrypt if encrypt is None else encrypt
        kwargs: dict[str, Any] = {}
        if encrypt:
            kwargs = {"encrypt_assertion": True, "encrypt_cert_assertion": self._sp_cert(sp_entity)}
        response = (server or self.server).create_authn_response(
            person.attributes(),
            message.id,
            destination,
            audience or sp_entity,
            name_id=name_id,
            authn={"class_ref": LOA_CONTEXT_PREFIX + person.loa, "authn_auth": self.entity_id},
            sign_assertion=sign,
            sign_response=False,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            session_not_on_or_after=None,
            **kwargs,
        )
        self.sessions[person.uuid] = {"sp": sp_entity}
        return str(response)

    def _sp_cert(self, sp_entity: str) -> str:
        certs = self.server.metadata.certs(sp_entity, "spsso", "encryption")
        return "-----BEGIN CERTIFICATE-----\n" + certs[0][1] + "\n-----END CERTIFICATE-----\n"

    @staticmethod
    def post_form(action: str, saml_response: str, relay_state: str | None) -> str:
        encoded = base64.b64encode(saml_response.encode()).decode()
        relay = (
            f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
            if relay_state
            else ""
        )
        return (
            '<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Test-IdP</title>'
            '<meta name="viewport" content="width=device-width"></head><body>'
            f'<form method="post" action="{html.escape(action)}">'
            f'<input type="hidden" name="SAMLResponse" value="{encoded}">{relay}'
            '<button type="submit">Fortsæt til tjenesten</button></form></body></html>'
        )

    def logout_request_url(self, person_uuid: str) -> str:
        """An IdP-initiated, signed LogoutRequest for the person's session at the SP (Redirect binding)."""
        held = self.sessions.get(person_uuid, {})
        sp = held.get("sp") or next(iter(self.server.metadata.with_descriptor("spsso")))
        location = self.server.metadata.single_logout_service(sp, BINDING_HTTP_REDIRECT, "spsso")[0][
            "location"
        ]
        name_id = NameID(
            text=person_uuid,
            format=NAMEID_FORMAT_PERSISTENT,
            name_qualifier=self.entity_id,
            sp_name_qualifier=sp,
        )
        _, request = self.server.create_logout_request(location, sp, name_id=name_id, sign=False)
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT, str(request), location, "", sign=True, sigalg=SIG_RSA_SHA256
        )
        self.sessions.pop(person_uuid, None)
        return dict(info["headers"])["Location"]

    # ----- the pages -----

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        handler = {
            "/metadata": self._metadata_page,
            "/sso": self._sso_page,
            "/sso/continue": self._continue_page,
            "/slo": self._slo_page,
            "/logout": self._logout_page,
        }.get(request.path)
        response = handler(request) if handler else Response("Not found", status=404)
        return response(environ, start_response)

    def _metadata_page(self, request: Request) -> Response:
        metadata = self.served_metadata if self.served_metadata is not None else self.metadata_xml()
        return Response(metadata, mimetype="application/samlmetadata+xml")

    def _sso_page(self, request: Request) -> Response:
        try:
            self.parse_request(request.args.to_dict())
        except Exception as error:
            return Response(f"Afvist forespørgsel: {html.escape(str(error))}", status=400)
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in request.args.items()
        )
        buttons = "".join(
            f'<button type="submit" name="person" value="{html.escape(key)}">'
            f"{html.escape(person.full_name)}</button><br>"
            for key, person in self.people.items()
        )
        page = (
            '<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Test-IdP</title>'
            '<meta name="viewport" content="width=device-width"></head><body><h1>Test-IdP</h1>'
            "<p>Kun til udvikling. Log ind som:</p>"
            f'<form method="post" action="/sso/continue">{hidden}{buttons}'
            "</form></body></html>"
        )
        return Response(page, mimetype="text/html")

    def _continue_page(self, request: Request) -> Response:
        person = self.people.get(request.form.get("person", ""))
        if person is None:
            return Response("Ukendt person", status=400)
        try:
            authn_request = self.parse_request(request.form.to_dict())
        except Exception as error:
            return Response(f"Afvist forespørgsel: {html.escape(str(error))}", status=400)
        xml = self.response_xml(authn_request, person)
        action = authn_request.message.assertion_consumer_service_url
        return Response(self.post_form(action, xml, request.form.get("RelayState")), mimetype="text/html")

    def _slo_page(self, request: Request) -> Response:
        """The SP's LogoutRequest (answered with a signed LogoutResponse) or its LogoutResponse (shown)."""
        if "SAMLResponse" in request.args:
            return Response("<!doctype html><p>Du er logget ud hos Test-IdP.</p>", mimetype="text/html")
        try:
            logout = self.server.parse_logout_request(
                request.args["SAMLRequest"],
                BINDING_HTTP_REDIRECT,
                relay_state=request.args.get("RelayState"),
                sigalg=request.args.get("SigAlg"),
                signature=request.args.get("Signature"),
            )
        except Exception as error:
            return Response(f"Afvist logout: {html.escape(str(error))}", status=400)
        self.sessions.pop(logout.message.name_id.text, None)
        response = self.server.create_logout_response(logout.message, [BINDING_HTTP_REDIRECT], sign=False)
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            response.destination,
            request.args.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return Response(status=303, headers={"Location": dict(info["headers"])["Location"]})

    def _logout_page(self, request: Request) -> Response:
        """IdP-initiated Single Logout of a person (`?person=key`), as when they log out at the IdP."""
        person = self.people.get(request.args.get("person", ""))
        if person is None:
            return Response("Ukendt person", status=400)
        return Response(status=303, headers={"Location": self.logout_request_url(person.uuid)})


class RunningIdP:
    """The IdP served on 127.0.0.1 in a thread of this process."""

    def __init__(self, idp_factory: Any, port: int = 0) -> None:
        self._http = make_server("127.0.0.1", port, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        self.idp: TestIdP = idp_factory(self.url)
        self._thread = threading.Thread(target=self._http.serve_forever, name="test-idp", daemon=True)

    def _app(self, environ: dict, start_response: Any) -> Any:
        return self.idp(environ, start_response)

    def start(self) -> RunningIdP:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._http.serve_forever()

    def stop(self) -> None:
        self._http.shutdown()
        self._thread.join(timeout=5)
