using CompreFace.Grains.Admin;
using CompreFace.Grains.Collections;
using CompreFace.Grains.Jobs;
using CompreFace.Grains.Storage;
using CompreFace.Grains.Webhooks;
using CompreFace.Inference;
using CompreFace.Silo;
using CompreFace.Silo.Observability;
using CompreFace.WebApi;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

// CompreFace's port unless ASPNETCORE_URLS or --urls says otherwise.
builder.UseDefaultUrls("http://0.0.0.0:8000");

// The Orleans silo: localhost clustering in the default single-node mode.
builder.AddCompreFaceSilo();

// ONNX models, image decoding and the face pipeline used by the inference worker grains.
// (Not on front-only nodes, Cluster:Role=Front: their inference runs on the inference nodes.)
if (builder.HostsInference())
{
    builder.Services.AddFaceInference();
}

// Face collections: PostgreSQL when ConnectionStrings:Postgres is set, else an embedded SQLite file.
builder.Services.AddStorage(builder.Configuration);
builder.Services.AddFaceCollections();

// Long-running jobs: re-embedding resumes on every node after a restart (docs/decisions/0034-jobs-and-re-embedding.md).
builder.Services.AddReembedding();

// Users, applications, services and API keys, in the same database (schema versioned with the face store's).
builder.Services.AddCompreFaceAdmin(builder.Configuration);

// Signed webhooks per face service, sent from the database outbox (docs/decisions/0029-webhooks.md).
builder.Services.AddCompreFaceWebhooks(builder.Configuration);

// The CompreFace-compatible HTTP API (/api/v1, /core); its upload limits are the Images section's.
builder.Services.AddImageLimits();
builder.Services.AddCompreFaceApi();
builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.LimitsSectionName).Configure<IOptions<ImageLimitsOptions>>(static (api, images) =>
{
    api.MaxFileSize = images.Value.MaxFileSize;
    api.MaxRequestSize = images.Value.MaxRequestSize;
});

// Metrics (Prometheus at /metrics, OTLP opt-in), traces (OTLP opt-in), /health/live and /health/ready.
builder.AddCompreFaceObservability();

var app = builder.Build();
// The API (not on inference-only nodes), /metrics and the probes.
app.UseCompreFaceNode();
await app.RunAsync();
