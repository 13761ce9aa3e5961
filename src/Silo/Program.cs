using CompreFace.Grains.Admin;
using CompreFace.Grains.Collections;
using CompreFace.Grains.Storage;
using CompreFace.Inference;
using CompreFace.Silo;
using CompreFace.Silo.Observability;
using CompreFace.WebApi;

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

// Users, applications, services and API keys, in the same database (schema versioned with the face store's).
builder.Services.AddCompreFaceAdmin(builder.Configuration);

// The CompreFace-compatible HTTP API (/api/v1, /core).
builder.Services.AddCompreFaceApi();

// Metrics (Prometheus at /metrics, OTLP opt-in), traces (OTLP opt-in), /health/live and /health/ready.
builder.AddCompreFaceObservability();

var app = builder.Build();
// The API (not on inference-only nodes), /metrics and the probes.
app.UseCompreFaceNode();
await app.RunAsync();
