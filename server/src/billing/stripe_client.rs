//! The payment provider behind one trait, so tests can point it at a fake Stripe and the
//! rest of the code never sees a Stripe type. [`StripeGateway`] speaks Stripe's real API
//! through async-stripe; every call that creates something carries an idempotency key,
//! so a retry after a lost answer creates nothing twice.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_checkout::CheckoutSessionMode;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionLineItemsPriceDataRecurring,
    CreateCheckoutSessionLineItemsPriceDataRecurringInterval,
    CreateCheckoutSessionPaymentIntentData, CreateCheckoutSessionSubscriptionData, ProductData,
};

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("payments are not configured")]
    NotConfigured,
    #[error("stripe: {0}")]
    Stripe(String),
    #[error("stripe's answer had no {0}")]
    Incomplete(&'static str),
}

impl From<stripe::StripeError> for PaymentError {
    fn from(error: stripe::StripeError) -> Self {
        Self::Stripe(error.to_string())
    }
}

/// What a Checkout session sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutKind {
    /// One payment.
    Payment,
    /// A monthly subscription.
    Subscription,
}

/// A Checkout session as we ask for it: one line at our own price, never the client's.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub kind: CheckoutKind,
    pub customer: String,
    pub product_name: String,
    pub amount_cents: i64,
    /// Copied to the session and to its payment intent or subscription, so every event
    /// about it says what it was for.
    pub metadata: HashMap<String, String>,
    pub success_url: String,
    pub cancel_url: String,
    /// Stripe answers a repeat of the same key with the first session.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    pub id: String,
    pub url: String,
}

/// A Connect account and the link that onboards it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onboarding {
    pub account_id: String,
    pub url: String,
}

#[async_trait]
pub trait PaymentGateway: Send + Sync + 'static {
    /// Whether Stripe Connect payouts to creators are switched on.
    fn connect_enabled(&self) -> bool;
    async fn create_customer(
        &self,
        team_id: uuid::Uuid,
        team_name: &str,
        email: &str,
    ) -> Result<String, PaymentError>;
    async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, PaymentError>;
    /// A customer-portal session's URL.
    async fn portal(&self, customer: &str, return_url: &str) -> Result<String, PaymentError>;
    /// An onboarding link for the team's Express account, created on first use.
    async fn onboarding(
        &self,
        team_id: uuid::Uuid,
        account_id: Option<&str>,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<Onboarding, PaymentError>;
}

pub struct StripeGateway {
    client: Client,
    connect: bool,
}

impl StripeGateway {
    /// `api_base` ends with a slash (`https://api.stripe.com/`); tests point it at the fake.
    pub fn new(secret_key: &str, api_base: &str, connect: bool) -> Result<Self, PaymentError> {
        let client = ClientBuilder::new(secret_key)
            .url(api_base)
            .timeout(Duration::from_secs(20))
            .build()?;
        Ok(Self { client, connect })
    }
}

fn idempotent(key: &str) -> Result<RequestStrategy, PaymentError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| PaymentError::Stripe(e.to_string()))
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    fn connect_enabled(&self) -> bool {
        self.connect
    }

    async fn create_customer(
        &self,
        team_id: uuid::Uuid,
        team_name: &str,
        email: &str,
    ) -> Result<String, PaymentError> {
        let customer = stripe_core::customer::CreateCustomer::new()
            .name(team_name)
            .email(email)
            .metadata(HashMap::from([(
                "team_id".to_string(),
                team_id.to_string(),
            )]))
            .customize()
            .request_strategy(idempotent(&format!("customer-{team_id}"))?)
            .send(&self.client)
            .await?;
        Ok(customer.id.to_string())
    }

    async fn create_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, PaymentError> {
        let recurring = (request.kind == CheckoutKind::Subscription).then(|| {
            CreateCheckoutSessionLineItemsPriceDataRecurring::new(
                CreateCheckoutSessionLineItemsPriceDataRecurringInterval::Month,
            )
        });
        let price = CreateCheckoutSessionLineItemsPriceData {
            product_data: Some(ProductData::new(request.product_name.clone())),
            unit_amount: Some(request.amount_cents),
            recurring,
            ..CreateCheckoutSessionLineItemsPriceData::new(stripe_types::Currency::USD)
        };
        let line = CreateCheckoutSessionLineItems {
            price_data: Some(price),
            quantity: Some(1),
            ..CreateCheckoutSessionLineItems::new()
        };
        let mut create = CreateCheckoutSession::new()
            .customer(request.customer.clone())
            .line_items(vec![line])
            .metadata(request.metadata.clone())
            .success_url(request.success_url.clone())
            .cancel_url(request.cancel_url.clone());
        create = match request.kind {
            CheckoutKind::Payment => create
                .mode(CheckoutSessionMode::Payment)
                .payment_intent_data(CreateCheckoutSessionPaymentIntentData {
                    metadata: Some(request.metadata.clone()),
                    ..CreateCheckoutSessionPaymentIntentData::new()
                }),
            CheckoutKind::Subscription => create
                .mode(CheckoutSessionMode::Subscription)
                .subscription_data(CreateCheckoutSessionSubscriptionData {
                    metadata: Some(request.metadata.clone()),
                    ..CreateCheckoutSessionSubscriptionData::new()
                }),
        };
        let session = create
            .customize()
            .request_strategy(idempotent(&request.idempotency_key)?)
            .send(&self.client)
            .await?;
        Ok(CheckoutSession {
            id: session.id.to_string(),
            url: session.url.ok_or(PaymentError::Incomplete("url"))?,
        })
    }

    async fn portal(&self, customer: &str, return_url: &str) -> Result<String, PaymentError> {
        let session = stripe_billing::billing_portal_session::CreateBillingPortalSession::new()
            .customer(customer)
            .return_url(return_url)
            .send(&self.client)
            .await?;
        Ok(session.url)
    }

    async fn onboarding(
        &self,
        team_id: uuid::Uuid,
        account_id: Option<&str>,
        refresh_url: &str,
        return_url: &str,
    ) -> Result<Onboarding, PaymentError> {
        use stripe_connect::account::{CreateAccount, CreateAccountType};
        use stripe_connect::account_link::{CreateAccountLink, CreateAccountLinkType};
        if !self.connect {
            return Err(PaymentError::NotConfigured);
        }
        let account_id = match account_id {
            Some(id) => id.to_string(),
            None => CreateAccount::new()
                .type_(CreateAccountType::Express)
                .metadata(HashMap::from([(
                    "team_id".to_string(),
                    team_id.to_string(),
                )]))
                .customize()
                .request_strategy(idempotent(&format!("connect-{team_id}"))?)
                .send(&self.client)
                .await?
                .id
                .to_string(),
        };
        let link =
            CreateAccountLink::new(account_id.clone(), CreateAccountLinkType::AccountOnboarding)
                .refresh_url(refresh_url)
                .return_url(return_url)
                .send(&self.client)
                .await?;
        Ok(Onboarding {
            account_id,
            url: link.url,
        })
    }
}
