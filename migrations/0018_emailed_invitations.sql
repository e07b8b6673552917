-- An invitation sent by email records the address it went to. Its link's token is made
-- when the mail is sent; until then the row holds the hash of a token nobody knows.
ALTER TABLE invitations
    ADD COLUMN email text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254);
