//! The OpenAPI 3.1 document: paths and schemas come from the handlers' `#[utoipa::path]`
//! annotations; served at `/api/v1/openapi.json` and committed as `deploy/openapi.json` (a
//! test keeps the two equal).

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::error::{ErrorBody, ErrorDetail};

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cybriq sensor API",
        description = "Inventory, device detail and drift history of a cybriq switch-port \
            device-fingerprint sensor. TLS only; bearer tokens (`Authorization: Bearer \
            cbq_live_pk_…` or `X-API-Key`) from single-use issue codes. Errors are \
            `{\"error\": {\"code\", \"message\", \"fields\", \"request_id\"}}`.",
        version = "1",
        license(name = "LicenseRef-cybriq-proprietary"),
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Reference section 6: tokens"),
        (name = "inventory", description = "Reference section 8: inventory"),
        (name = "devices", description = "Reference section 9: device detail"),
        (name = "drift", description = "Reference section 10: drift history"),
        (name = "events", description = "Reference section 12: SOAR actions on events"),
        (name = "integrations", description = "Reference section 12: quarantine hand-off to a NAC (Cisco ISE, Forescout)"),
        (name = "operations", description = "The sensor's own metrics (Prometheus text format)"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cbq_live_pk_…")
                    .build(),
            ),
        );
        c.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

/// The document as served: pretty JSON with a final newline.
pub fn render(doc: &utoipa::openapi::OpenApi) -> String {
    let mut s = doc.to_pretty_json().unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}
