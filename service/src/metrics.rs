//! The service's metrics, served at `GET /metrics` in the Prometheus text format
//! ([prometheus-client]): requests by route and status, acceptances, refusals by code, request
//! latency, batch sizes, challenges issued and root reloads.

use std::time::Duration;

use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteOnly {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VerifierLabels {
    verifier: String,
}

/// The metrics of one service instance.
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<RouteOnly, Histogram>,
    accepted: Family<VerifierLabels, Counter>,
    refused: Family<CodeLabels, Counter>,
    batch_sizes: Histogram,
    challenges: Counter,
    roots_reloads: Family<VerifierLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("zkhealth");
        let requests = Family::<RouteLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        let latency = Family::<RouteOnly, Histogram>::new_with_constructor(|| {
            // 100 µs to about 6.5 s.
            Histogram::new(exponential_buckets(0.000_1, 2.0, 17))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route",
            latency.clone(),
        );
        let accepted = Family::<VerifierLabels, Counter>::default();
        registry.register(
            "presentations_accepted",
            "Presentations accepted (recorded durably), by verifier",
            accepted.clone(),
        );
        let refused = Family::<CodeLabels, Counter>::default();
        registry.register(
            "presentations_refused",
            "Presentations refused, by stable error code",
            refused.clone(),
        );
        let batch_sizes = Histogram::new(exponential_buckets(1.0, 2.0, 10));
        registry.register(
            "verification_batch_size",
            "Presentations per batch proof check",
            batch_sizes.clone(),
        );
        let challenges = Counter::default();
        registry.register("challenges_issued", "Challenges issued", challenges.clone());
        let roots_reloads = Family::<VerifierLabels, Counter>::default();
        registry.register(
            "roots_reloads",
            "Root snapshots reloaded after a change, by verifier",
            roots_reloads.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            accepted,
            refused,
            batch_sizes,
            challenges,
            roots_reloads,
        }
    }

    /// One request answered.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RouteLabels {
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteOnly {
                route: route.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// One presentation accepted.
    pub fn accepted(&self, verifier: &str) {
        self.accepted
            .get_or_create(&VerifierLabels {
                verifier: verifier.to_string(),
            })
            .inc();
    }

    /// One presentation refused with `code`.
    pub fn refused(&self, code: &str) {
        self.refused
            .get_or_create(&CodeLabels {
                code: code.to_string(),
            })
            .inc();
    }

    /// One batch proof check of `n` presentations.
    pub fn batch(&self, n: usize) {
        self.batch_sizes.observe(n as f64);
    }

    /// One challenge issued.
    pub fn challenge(&self) {
        self.challenges.inc();
    }

    /// A verifier's roots reloaded.
    pub fn roots_reloaded(&self, verifier: &str) {
        self.roots_reloads
            .get_or_create(&VerifierLabels {
                verifier: verifier.to_string(),
            })
            .inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
