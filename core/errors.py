class ReferralHubError(Exception):
    """Base for domain errors that views show as a message and the API as 409.

    ``code`` is a stable snake_case identifier; ``message`` is human text
    (already translated) that a user can act on.
    """

    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
