-- The marketplace and billing: deploys, sales counters, revenue shares per template,
-- review replies, subscriptions kept in order, and the narrow definer functions that let
-- one team's action update another team's counters (a buyer's purchase, deploy or review
-- counts on the creator's template) without giving it any other access.

ALTER TABLE templates
    ADD COLUMN sales_count bigint NOT NULL DEFAULT 0;
-- One listing per agent: publishing the agent again adds a version to it.
CREATE UNIQUE INDEX templates_agent_idx ON templates (agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX templates_popular_idx ON templates (deploy_count DESC) WHERE status = 'published';

ALTER TABLE template_versions
    ADD COLUMN agent_version integer;

-- Which team deployed which template into which agent. Reviews need one.
CREATE TABLE template_deploys (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id          uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    template_id      uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    template_version integer NOT NULL,
    agent_id         uuid REFERENCES agents (id) ON DELETE SET NULL,
    deployed_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX template_deploys_team_idx ON template_deploys (team_id, template_id);
ALTER TABLE template_deploys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON template_deploys
    USING (team_id = app_team_id()) WITH CHECK (team_id = app_team_id());

-- The Checkout session is created after the pending purchase (its id is the Stripe
-- idempotency key), so the session id arrives in a second statement.
CREATE INDEX purchases_payment_intent_idx ON purchases (stripe_payment_intent_id)
    WHERE stripe_payment_intent_id IS NOT NULL;

-- Earnings are listed per template and month by the creator's team.
ALTER TABLE revenue_shares
    ADD COLUMN template_id uuid REFERENCES templates (id) ON DELETE SET NULL;
-- A partial refund and then another: the reversal holds the refunded total so far.
ALTER TABLE revenue_shares
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Subscription events can arrive out of order; the newest event's time wins.
ALTER TABLE subscriptions
    ADD COLUMN stripe_customer_id text,
    ADD COLUMN event_created_at timestamptz NOT NULL DEFAULT '-infinity';

ALTER TABLE reviews
    ADD COLUMN replied_at timestamptz;

-- Stripe's events, seen once each. Platform-level; only the webhook handler touches it.
ALTER TABLE stripe_events
    ADD COLUMN outcome text;

-- ---------------------------------------------------------------- counters
-- Deploys, sales and ratings land on the creator's template row, which the buyer's team
-- cannot update under row-level security: these triggers do it as the owner.
CREATE FUNCTION count_template_deploy() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE templates SET deploy_count = deploy_count + 1 WHERE id = NEW.template_id;
    RETURN NEW;
END $$;
CREATE TRIGGER template_deploy_counted AFTER INSERT ON template_deploys
    FOR EACH ROW EXECUTE FUNCTION count_template_deploy();

CREATE FUNCTION count_template_sale() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid' THEN
        UPDATE templates SET sales_count = sales_count + 1 WHERE id = NEW.template_id;
    ELSIF OLD.status = 'paid' AND NEW.status = 'refunded' THEN
        UPDATE templates SET sales_count = sales_count - 1 WHERE id = NEW.template_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER template_sale_counted AFTER UPDATE OF status ON purchases
    FOR EACH ROW EXECUTE FUNCTION count_template_sale();

CREATE FUNCTION count_template_rating() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE templates SET rating_count = rating_count - 1, rating_sum = rating_sum - OLD.rating
         WHERE id = OLD.template_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE templates SET rating_count = rating_count + 1, rating_sum = rating_sum + NEW.rating
         WHERE id = NEW.template_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER template_rating_counted AFTER INSERT OR DELETE OR UPDATE OF rating ON reviews
    FOR EACH ROW EXECUTE FUNCTION count_template_rating();

-- ---------------------------------------------------------------- look-ups
-- The team that owns a template, published or not (a sale made before an unpublish
-- still pays its creator).
CREATE FUNCTION template_owner(template uuid) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT team_id FROM templates WHERE id = template
$$;
REVOKE ALL ON FUNCTION template_owner(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION template_owner(uuid) TO agf_app;

-- A purchase by its Stripe payment intent, for refunds (the charge names only that).
CREATE FUNCTION purchase_by_payment_intent(intent text)
RETURNS TABLE (id uuid, team_id uuid, template_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT p.id, p.team_id, p.template_id FROM purchases p WHERE p.stripe_payment_intent_id = intent
$$;
REVOKE ALL ON FUNCTION purchase_by_payment_intent(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purchase_by_payment_intent(text) TO agf_app;

-- A team by its Stripe customer, for subscription events.
CREATE FUNCTION team_by_stripe_customer(customer text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT id FROM teams WHERE stripe_customer_id = customer
$$;
REVOKE ALL ON FUNCTION team_by_stripe_customer(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION team_by_stripe_customer(text) TO agf_app;

-- The creator's reply to a review of one of the current team's templates: the only
-- change another team may make to a review.
CREATE FUNCTION reply_to_review(review uuid, reply text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
    WITH replied AS (
        UPDATE reviews r SET creator_reply = nullif(reply, ''), replied_at = now()
          FROM templates t
         WHERE r.id = review AND t.id = r.template_id AND t.team_id = app_team_id()
        RETURNING r.id
    )
    SELECT EXISTS (SELECT 1 FROM replied)
$$;
REVOKE ALL ON FUNCTION reply_to_review(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reply_to_review(uuid, text) TO agf_app;
