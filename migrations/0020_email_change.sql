-- Changing a verified address: a link to the new address proves it is read before the
-- account moves to it (the old address is told at both ends).
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('password_reset', 'verify_email', 'change_email'));
