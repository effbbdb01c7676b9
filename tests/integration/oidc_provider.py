"""An OpenID Connect provider on loopback for the console's single sign-on tests.

It plays Entra ID's part of the authorization code flow with PKCE: discovery, an
authorization endpoint that signs the user in at once (the test says who, with which groups)
and sends the browser back with a code, a token endpoint that checks the code, the client
and the PKCE verifier and returns an RS256 ID token signed with its own key, and the JWKS to
verify it. `token_overrides` bends the next ID token (wrong audience, issuer, nonce, expired)
so the tests can show the console refuses each.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Provider:
    port: int
    client_id: str
    client_secret: str
    user: dict[str, Any] = field(default_factory=dict)  # claims of who signs in next
    token_overrides: dict[str, Any] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/tenant/v2.0"

    def metadata(self) -> dict[str, Any]:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/keys",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "nonce": nonce,
            **self.user,
            **self.token_overrides,
        }
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)

    def start(self) -> Provider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/tenant/v2.0/.well-known/openid-configuration":
                    self._json(200, provider.metadata())
                elif url.path == "/keys":
                    self._json(200, KeySet([provider.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    self._authorize(query)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                if urllib.parse.urlsplit(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                self._token(form)

            def _authorize(self, query: dict[str, str]) -> None:
                if (
                    query.get("client_id") != provider.client_id
                    or query.get("code_challenge_method") != "S256"
                ):
                    return self._json(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query
                back = f"{query['redirect_uri']}?" + urllib.parse.urlencode(
                    {"code": code, "state": query["state"]}
                )
                self.send_response(302)
                self.send_header("Location", back)
                self.end_headers()

            def _token(self, form: dict[str, str]) -> None:
                client_id, client_secret = form.get("client_id"), form.get("client_secret")
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    pair = base64.b64decode(basic[6:]).decode()
                    client_id, client_secret = map(urllib.parse.unquote, pair.split(":", 1))
                asked = provider.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(
                    hashlib.sha256(verifier.encode()).digest()
                ).rstrip(b"=").decode()  # fmt: skip
                if (
                    asked is None
                    or (client_id, client_secret) != (provider.client_id, provider.client_secret)
                    or challenge != asked.get("code_challenge")
                    or form.get("redirect_uri") != asked.get("redirect_uri")
                ):
                    return self._json(400, {"error": "invalid_grant"})
                self._json(
                    200,
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "id_token": provider.id_token(asked.get("nonce", "")),
                    },
                )

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
