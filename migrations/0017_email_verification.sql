-- When the person proved they read mail at their address (they followed a link sent to
-- it); NULL: not yet. While email is on, publishing to the marketplace, payouts and
-- becoming a team's owner wait for it.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
GRANT SELECT (email_verified_at) ON users TO agf_app;
