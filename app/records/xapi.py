"""xAPI 1.0.3 statements of a cohort's record, for a cooperative's learning record store:
who attended which lecture (with the credited duration), who answered which quiz question,
and who completed the course. Only what happened: nothing for a lecture a trainee missed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from app.records.exports import attendees
from app.records.schemas import XapiStatement
from app.records.service import CohortRecord

ATTENDED = {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}}
ANSWERED = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}}
COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}


def iso_duration(minutes: int) -> str:
    """Minutes as an ISO 8601 duration: 500 → PT8H20M, 0 → PT0M."""
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")


def xapi_statements(
    record: CohortRecord, base_url: str, answers: list[Any], codes: dict[int, str]
) -> list[XapiStatement]:
    """xAPI 1.0.3 statements of what happened: a trainee attended a lecture (for as long as
    they were credited), answered a quiz question, completed the course. A lecture a trainee
    was credited nothing for sends nothing."""
    base = base_url.rstrip("/")
    trainees = {t.trainee.id: t.trainee for t in record.trainees}

    def actor(trainee_id: int) -> dict[str, Any]:
        trainee = trainees[trainee_id]
        return {
            "objectType": "Agent",
            "name": f"{trainee.family_name} {trainee.given_name}",
            "account": {
                "homePage": base,
                "name": codes.get(trainee.user_id) or f"trainee-{trainee.id}",
            },
        }

    course = f"{base}/courses/{record.definition.code}"
    statements = []
    last_attended: dict[int, tuple[datetime, str, int]] = {}
    for info in record.confirmed_lectures():
        for person in attendees(record, info.lecture.id):
            minutes = person.total
            if not minutes:
                continue
            current = person.current
            last_attended[person.trainee.id] = (info.end, current.language, info.revision)
            statements.append(
                {
                    # Stable ids: sending the export twice to a learning record store adds nothing.
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/attendance/{current.id}")),
                    "actor": actor(person.trainee.id),
                    "verb": ATTENDED,
                    "object": {
                        "objectType": "Activity",
                        "id": f"{base}/lectures/{info.lecture.id}",
                        "definition": {
                            "name": {"ja": info.lecture.title or record.definition.title("ja")},
                            "type": "http://adlnet.gov/expapi/activities/meeting",
                        },
                    },
                    "result": {
                        "completion": True,
                        "duration": iso_duration(minutes),
                        "extensions": {f"{base}/xapi/minutes-by-area": current.minutes_by_area},
                    },
                    "context": {
                        "language": current.language,
                        "revision": str(info.revision),
                        "contextActivities": {"parent": [{"id": course}]},
                    },
                    "timestamp": info.start.isoformat(),
                }
            )
    for answer in answers:
        if answer.trainee_id not in trainees:
            continue
        statements.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/answers/{answer.id}")),
                "actor": actor(answer.trainee_id),
                "verb": ANSWERED,
                "object": {
                    "objectType": "Activity",
                    "id": f"{course}/modules/{answer.module_code}/quiz/{answer.position}",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                        "interactionType": "choice",
                    },
                },
                "result": {"success": bool(answer.correct), "response": answer.choice},
                "context": {
                    "language": answer.language,
                    "revision": str(answer.revision_number),
                    "contextActivities": {"parent": [{"id": course}]},
                },
                "timestamp": answer.answered_at.isoformat(),
            }
        )
    for item in record.trainees:
        compliance = item.compliance
        if compliance.status != "complete" or item.trainee.id not in last_attended:
            continue
        ended, language, revision = last_attended[item.trainee.id]
        statements.append(
            {
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{course}/completed/{item.trainee.id}")),
                "actor": actor(item.trainee.id),
                "verb": COMPLETED,
                "object": {
                    "objectType": "Activity",
                    "id": course,
                    "definition": {
                        "name": {"ja": record.definition.title("ja")},
                        "type": "http://adlnet.gov/expapi/activities/course",
                    },
                },
                "result": {
                    "completion": True,
                    "success": True,
                    "duration": iso_duration(compliance.total_minutes),
                },
                "context": {"language": language, "revision": str(revision)},
                "timestamp": ended.isoformat(),
            }
        )
    return [XapiStatement.model_validate(statement) for statement in statements]
