"""Liveness of a container too large for a Lambda event: posted to S3 first, then checked.

``POST /v1/liveness/uploads`` issues a presigned POST (``aws.uploads.UploadBucket.issue``); the
front end posts the container to S3; ``POST /v1/liveness/uploads/{upload_id}/check`` streams it
from S3 to Oz and answers exactly as ``POST /v1/liveness`` does (``check_liveness.answer_once``):
the same decision, receipt, best shot and single-use rules. A lost answer is asked again with
the same upload id, and the same caller gets the same answer, even once the object is gone.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from idv.aws.idempotency import Idempotency
from idv.aws.quota import HourlyQuota
from idv.aws.uploads import UploadBucket
from idv.oz.calls import OzCalls
from idv.oz.folders import Folder
from idv.receipts.store import ReceiptStore
from idv.receipts.tokens import ReceiptTokens
from idv.upstream.bodies import SizedBody
from idv.usecases.check_liveness import LivenessAnswer, answer_once


def check_upload(
    upload_id: str,
    *,
    subject: str | None,
    uploads: UploadBucket,
    oz: OzCalls,
    receipts: ReceiptTokens,
    store: ReceiptStore,
    idempotency: Idempotency,
    quota: HourlyQuota | None = None,
    context: LambdaContext | None = None,
    include_best_shot: bool = False,
) -> LivenessAnswer:
    """Stream the caller's upload to Oz (once per upload id and caller), and answer.

    The object is deleted as soon as any of it has been sent to Oz, whatever follows (its
    session token may be spent): an error then is final for this upload, as it is for a
    container sent directly. When nothing reached Oz (the quota, Oz unreachable), it stays
    for another try until it expires.

    Raises:
        UploadNotFound: unknown, expired, or another caller's upload (and no answer kept).
        EmptyBody, PayloadTooLarge, UnsupportedMediaType: the object breaks the upload policy;
            nothing reached Oz.
        RequestInProgress: the same upload is being checked now.
        QuotaExceeded: the subject has used up this hour's checks; Oz is not called.
    """
    key = {"upload_id": upload_id, "subject": subject}

    def analyze() -> Folder:
        upload = uploads.open(upload_id, subject)
        bodies: list[SizedBody] = []

        def open_body() -> SizedBody:
            body = upload.body if not bodies else uploads.reopen(upload)
            bodies.append(body)
            return body

        try:
            if quota is not None:
                quota.take(subject)
            return oz.analyze_upload(open_body)
        finally:
            for body in bodies or [upload.body]:
                body.close()
            if _sent(bodies):
                uploads.delete(upload_id)

    return answer_once(
        key,
        analyze,
        subject=subject,
        receipts=receipts,
        store=store,
        idempotency=idempotency,
        context=context,
        include_best_shot=include_best_shot,
    )


def _sent(bodies: list[SizedBody]) -> bool:
    return any(body.bytes_read for body in bodies)
