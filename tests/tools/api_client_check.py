"""An integrator's first session with the Python client generated from the served OpenAPI
document (by openapi-python-client): search, read a challenge, typed matches with explanations,
create and patch a company with a token (If-Match, and a stale tag refused), and a create retried
with the same Idempotency-Key. Exits non-zero, saying what failed, at the first surprise.

Usage: api_client_check.py BASE_URL PACKAGE_PARENT MEMBER_TOKEN OFFICER_TOKEN CHALLENGE_ID
"""

import sys
import uuid

base, package_parent, member_token, officer_token, challenge_id = sys.argv[1:6]
sys.path.insert(0, package_parent)

from factoria_api_client import AuthenticatedClient, Client  # noqa: E402
from factoria_api_client.api.challenges import get_challenge  # noqa: E402
from factoria_api_client.api.companies import create_company, patch_company  # noqa: E402
from factoria_api_client.api.matching import match_companies  # noqa: E402
from factoria_api_client.api.search import search_challenges  # noqa: E402
from factoria_api_client.models import (  # noqa: E402
    ChallengeView,
    CompanyKind,
    CompanyRecord,
    CompanyView,
    ErrorBody,
    Explanation,
    Lang,
    MatchPage,
    PatchCompanyBody,
    SearchResponse,
    Strength,
)


def check(condition, what):
    if not condition:
        sys.exit(f"client check failed: {what}")


anonymous = Client(base_url=base)
member = AuthenticatedClient(base_url=base, token=member_token)
officer = AuthenticatedClient(base_url=base, token=officer_token)

found = search_challenges.sync(client=anonymous, q="fugas de agua")
check(isinstance(found, SearchResponse), f"search answered {found!r}")
check(any(item.id == challenge_id for item in found.items), "search does not find the challenge")

challenge = get_challenge.sync(challenge_id, client=anonymous)
check(isinstance(challenge, ChallengeView), f"challenge answered {challenge!r}")
check(challenge.id == challenge_id and challenge.version >= 1, "challenge has no id or version")

matches = match_companies.sync(challenge_id, client=officer, lang=Lang.EN, per_page=5)
check(isinstance(matches, MatchPage), f"matches answered {matches!r}")
check(len(matches.items) > 0, "no matches")
first = matches.items[0]
check(isinstance(first.explanation, Explanation), "the explanation is not typed")
check(first.explanation.summary, "the explanation has no summary")
requirement = first.explanation.requirements[0]
check(isinstance(requirement.strength, Strength), "a requirement's strength is not typed")
check(requirement.requirement, "a requirement has no text")
check(isinstance(first.features.bm25, float), "features are not typed")

record = CompanyRecord(
    name="Client Check Robotics SL",
    kind=CompanyKind.STARTUP,
    description="Robots de inspección de tuberías con cámaras y sensores acústicos.",
)
key = str(uuid.uuid4())
created = create_company.sync_detailed(client=member, body=record, idempotency_key=key)
check(created.status_code == 201, f"create answered {created.status_code}: {created.content!r}")
check(isinstance(created.parsed, CompanyView), "create did not answer a company")
company_id = created.parsed.id
tag = created.headers.get("etag")
check(tag == f'"v{created.parsed.version}"', f"create answered ETag {tag!r}")

again = create_company.sync_detailed(client=member, body=record, idempotency_key=key)
check(again.status_code == 201, f"the retry answered {again.status_code}")
check(again.parsed.id == company_id, "the retry created another company")
check(again.headers.get("idempotent-replayed") == "true", "the retry was not marked as replayed")

patch = PatchCompanyBody.from_dict({"trl": 7})
patched = patch_company.sync_detailed(company_id, client=member, body=patch, if_match=tag)
check(patched.status_code == 200, f"patch answered {patched.status_code}: {patched.content!r}")
check(patched.parsed.trl == 7, "the patch did not apply")
check(patched.headers.get("etag") != tag, "the version did not change")

stale = patch_company.sync_detailed(
    company_id, client=member, body=PatchCompanyBody.from_dict({"trl": 3}), if_match=tag
)
check(stale.status_code == 412, f"a stale If-Match answered {stale.status_code}")
check(isinstance(stale.parsed, ErrorBody), "a stale If-Match did not answer an error body")
check(stale.parsed.current["trl"] == 7, "the 412 does not carry the current record")

print("client check passed")
