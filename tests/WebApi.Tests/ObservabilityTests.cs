using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// <c>/metrics</c> (Prometheus text), traces and <c>/health/live</c> / <c>/health/ready</c> on the real node. In the
/// API collection so no other node serves requests meanwhile: the counters' deltas below are exact.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class ObservabilityTests(ApiFactory factory)
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Metrics_DetectWithCalculatorOnRealPhoto_CountsOneDecodeDetectAndEmbed()
    {
        var before = await ScrapeAsync(_client);

        using var response = await _client.SendAsync(Post(DetectUrl + "?face_plugins=calculator,age", File(SharedData.SampleBytes("001_A.jpg")), ApiFactory.DetectionKey));
        await ReadJsonAsync(response);

        var after = await ScrapeAsync(_client);
        foreach (var stage in (string[])["decode", "detect", "embed"])
        {
            Assert.Equal(StageCount(before, stage) + 1, StageCount(after, stage));
        }

        Assert.Equal(StageCount(before, "search"), StageCount(after, "search"));
        Assert.True(Value(after, "compreface_stage_duration_seconds_sum", "stage=\"detect\"") > Value(before, "compreface_stage_duration_seconds_sum", "stage=\"detect\""));
        Assert.Equal(Value(before, "compreface_plugin_duration_seconds_count", "plugin=\"age\"") + 1, Value(after, "compreface_plugin_duration_seconds_count", "plugin=\"age\""));
        Assert.Contains("# TYPE compreface_stage_duration_seconds histogram", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AddThenRecognize_CountsOneSearchAndGaugeEqualsStoredFaces()
    {
        using (var add = await _client.SendAsync(Post("/api/v1/recognition/faces?subject=metrics-probe", File(SharedData.SampleBytes("007_B.jpg")), ApiFactory.RecognitionKey)))
        {
            await ReadJsonAsync(add, HttpStatusCode.Created);
        }

        var before = await ScrapeAsync(_client);
        using (var recognize = await _client.SendAsync(Post("/api/v1/recognition/recognize", File(SharedData.SampleBytes("008_B.jpg")), ApiFactory.RecognitionKey)))
        {
            await ReadJsonAsync(recognize);
        }

        var after = await ScrapeAsync(_client);
        Assert.Equal(StageCount(before, "search") + 1, StageCount(after, "search"));

        using var list = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/v1/recognition/faces?size=1") { Headers = { { "x-api-key", ApiFactory.RecognitionKey } } });
        var total = (await ReadJsonAsync(list)).GetProperty("total_elements").GetInt64();

        // The demo recognition service (id …0001; its API key is …0002 and never appears in metrics).
        Assert.Equal(total, Value(after, "compreface_collection_faces", "collection=\"00000000000000000000000000000001\""));
        Assert.True(Value(after, "compreface_collections_active", "otel_scope_name=\"CompreFace\"") >= 1);
        Assert.DoesNotContain(ApiFactory.RecognitionKey, after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trace_DetectRequest_InferenceSpanIsInTheCallersTraceUnderAGrainCall()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "CompreFace" or "Microsoft.AspNetCore" || s.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        // The caller's W3C trace context: every span of this request must join this trace.
        var traceId = ActivityTraceId.CreateRandom();
        using var request = Post(DetectUrl, File(SharedData.SampleBytes("001_A.jpg")), ApiFactory.DetectionKey);
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await _client.SendAsync(request);
        await ReadJsonAsync(response);

        var inference = Assert.Single(spans, s => s.TraceId == traceId && s.OperationName == "face.analyze");
        Assert.Equal(1, inference.GetTagItem("compreface.faces"));

        // Its parent is the grain call's span (Orleans propagates the context in the message), not the HTTP span directly.
        var parent = Assert.Single(spans, s => s.SpanId == inference.ParentSpanId);
        Assert.StartsWith("Microsoft.Orleans", parent.Source.Name, StringComparison.Ordinal);
        Assert.Contains(spans, s => s.TraceId == traceId && s.Source.Name == "Microsoft.AspNetCore");
    }

    [Fact]
    public async Task Health_RunningNode_LiveAndReadyAreOkAndCoreHealthcheckKeepsItsShape()
    {
        using var live = await _client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal("Healthy", (await ReadJsonAsync(live)).GetProperty("status").GetString());

        using var ready = await _client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await ReadJsonAsync(ready);
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("silo").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("store").GetString());

        using var core = await _client.GetAsync(new Uri("/core/healthcheck", UriKind.Relative));
        var coreBody = await ReadJsonAsync(core);
        AssertKeys(coreBody, "status");
        Assert.Equal("OK", coreBody.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readiness_PostgresRefusesConnections_ReadyFailsWhileLiveStaysOk()
    {
        var server = PostgresApiNode.ServerConnectionString;
        if (server is null)
        {
            Assert.False(PostgresApiNode.IsCi, $"{PostgresApiNode.EnvironmentVariable} is not set in CI.");
            return;
        }

        using var node = new PostgresApiFactory(server);
        using var client = node.CreateClient();
        using (var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var database = new NpgsqlConnectionStringBuilder(node.ConnectionString).Database!;
        await SetConnectionsAllowedAsync(server, database, allowed: false);
        try
        {
            using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            var body = await ReadJsonAsync(ready, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("store").GetString());
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("silo").GetString());

            using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            using var core = await client.GetAsync(new Uri("/core/healthcheck", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, core.StatusCode);
        }
        finally
        {
            await SetConnectionsAllowedAsync(server, database, allowed: true);
        }

        // Ready again as soon as the store is back: no restart needed.
        using var recovered = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    internal static async Task<string> ScrapeAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static double StageCount(string scrape, string stage) =>
        Value(scrape, "compreface_stage_duration_seconds_count", $"stage=\"{stage}\"");

    /// <summary>The sum of the samples of <paramref name="metric"/> whose labels contain <paramref name="label"/>; 0 when none.</summary>
    private static double Value(string scrape, string metric, string label) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static async Task SetConnectionsAllowedAsync(string server, string database, bool allowed)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var alter = new NpgsqlCommand($"ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS {(allowed ? "true" : "false")}", connection);
        await alter.ExecuteNonQueryAsync();
        if (!allowed)
        {
            // The node's pooled connections go too, so nothing it holds can answer for the store.
            await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", connection);
            terminate.Parameters.Add(new NpgsqlParameter { Value = database });
            await terminate.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>
/// A node of its own (SQLite under a temporary directory) whose every log line, from Debug up, is captured: for the
/// readiness test that takes its database file away, and for the log-hygiene test.
/// </summary>
public sealed class ProbeNode : ApiFactory
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("cf-probe-").FullName;

    public ConcurrentQueue<string> Logs { get; } = new();

    public string DatabaseFile => Path.Combine(DataDirectory, "compreface.db");

    protected override void ConfigureStore(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Logging:LogLevel:Default", "Debug");
        builder.UseSetting("Logging:LogLevel:Orleans", "Information");

        // Traces are recorded (to a collector that is not there), so the tests see what a span would export.
        builder.UseSetting("Observability:OtlpEndpoint", "http://127.0.0.1:9");
        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(Logs)));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    /// <summary>Every line as formatted, plus each structured value and any exception, so nothing escapes the search.</summary>
    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, sink);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                    ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
                    : string.Empty;
                sink.Enqueue($"{category} {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}

/// <summary>Readiness against a store that goes away, and what the logs may never contain.</summary>
[Collection(ApiTestGroup.Name)]
public sealed class ProbeNodeTests(ProbeNode node) : IClassFixture<ProbeNode>
{
    private readonly HttpClient _client = node.CreateClient();

    [Fact]
    public async Task Readiness_SqliteFileGone_ReadyFailsWhileLiveAndCoreHealthcheckStayOk()
    {
        using (var ready = await _client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var aside = node.DatabaseFile + ".aside";
        System.IO.File.Move(node.DatabaseFile, aside);
        try
        {
            using var ready = await _client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            var body = await ReadJsonAsync(ready, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
            Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("store").GetString());

            using var live = await _client.GetAsync(new Uri("/health/live", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            using var core = await _client.GetAsync(new Uri("/core/healthcheck", UriKind.Relative));
            Assert.Equal("OK", (await ReadJsonAsync(core)).GetProperty("status").GetString());

            // The probe must not have recreated an empty database where the real one was.
            Assert.False(System.IO.File.Exists(node.DatabaseFile));
        }
        finally
        {
            System.IO.File.Move(aside, node.DatabaseFile);
        }

        using var recovered = await _client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task Logs_DetectEnrolRecognizeAndVerify_NeverContainApiKeysEmbeddingsOrImages()
    {
        var photo = SharedData.SampleBytes("007_B.jpg");
        using var detect = await _client.SendAsync(Post(DetectUrl + "?face_plugins=calculator", File(photo), ApiFactory.DetectionKey));
        var embedding = (await ReadJsonAsync(detect)).GetProperty("result")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();

        using (var add = await _client.SendAsync(Post("/api/v1/recognition/faces?subject=log-probe", File(photo), ApiFactory.RecognitionKey)))
        {
            await ReadJsonAsync(add, HttpStatusCode.Created);
        }

        using (var recognize = await _client.SendAsync(Post("/api/v1/recognition/recognize", Json(new { file = Convert.ToBase64String(SharedData.SampleBytes("008_B.jpg")) }), ApiFactory.RecognitionKey)))
        {
            await ReadJsonAsync(recognize);
        }

        using (var verify = await _client.SendAsync(Post("/api/v1/verification/embeddings/verify", Json(new { source = embedding, targets = new[] { embedding } }), ApiFactory.VerificationKey)))
        {
            await ReadJsonAsync(verify);
        }

        // Bad input is logged (rejections), so send one of that too.
        using (var bad = await _client.SendAsync(Post(DetectUrl, File([1, 2, 3, 4]), ApiFactory.DetectionKey)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        var logs = node.Logs.ToArray();
        Assert.NotEmpty(logs);
        var forbidden = new List<string> { ApiFactory.DetectionKey, ApiFactory.RecognitionKey, ApiFactory.VerificationKey, Convert.ToBase64String(photo.AsSpan(0, 48)) };

        // The leading digits of embedding values as the API printed them: any log of the vector would contain them.
        forbidden.AddRange(embedding.Where(v => Math.Abs(v) > 0.01).Take(8)
            .Select(v => v.ToString("R", CultureInfo.InvariantCulture)).Select(s => s[..Math.Min(s.Length, 9)]));
        foreach (var needle in forbidden)
        {
            Assert.DoesNotContain(logs, line => line.Contains(needle, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Telemetry_SubjectNamesAndApiKeys_NeverReachLogsOrSpans()
    {
        // Subject names are personal data and travel in paths (/subjects/{subject}) and queries; the node logs refusals
        // with their path (Debug) and traces record url.path and url.query. None may hold the name, nor an API key.
        var name = "Telemetry Probe " + Guid.NewGuid().ToString("N")[..8];
        var escaped = Uri.EscapeDataString(name);
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            // The sources the node exports (Observability/ObservabilityExtensions.cs).
            ShouldListenTo = s => s.Name is "Microsoft.AspNetCore" or "CompreFace" or "Microsoft.Orleans.Runtime" or "Microsoft.Orleans.Application",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        // A subject that does not exist (404 code 42, logged as a refusal), and an unknown key (logged before routing).
        using (var delete = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/recognition/subjects/{escaped}") { Headers = { { "x-api-key", ApiFactory.RecognitionKey } } }))
        {
            Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        }

        var unknown = Guid.NewGuid().ToString();
        using (var unknownKey = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/recognition/subjects/{escaped}") { Headers = { { "x-api-key", unknown } } }))
        {
            Assert.False(unknownKey.IsSuccessStatusCode);
        }

        // The name in a query (listing a subject's faces): the trace instrumentation redacts query values.
        using (var list = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/v1/recognition/faces?subject={escaped}") { Headers = { { "x-api-key", ApiFactory.RecognitionKey } } }))
        {
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        }

        // The server's span stops after the client has its answer: wait for all three (each request's span is one).
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (spans.Count(s => s.GetTagItem("url.path") is not null) < 3 && !deadline.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Contains(spans, s => (string?)s.GetTagItem("http.route") == "/api/v1/recognition/subjects/{subject}");
        // Orleans names each call's grain in its spans, and the key lookup's grain is keyed by the API key.
        Assert.Contains(spans, s => s.Tags.Any(t => t.Value == "apikey/redacted"));
        foreach (var needle in new[] { name, escaped, name.Split(' ')[^1], ApiFactory.RecognitionKey, unknown })
        {
            Assert.DoesNotContain(node.Logs.ToArray(), line => line.Contains(needle, StringComparison.Ordinal));
            Assert.DoesNotContain(spans, s => s.DisplayName.Contains(needle, StringComparison.Ordinal) || s.Tags.Any(t => t.Value?.Contains(needle, StringComparison.Ordinal) == true));
        }
    }
}

/// <summary>What the span processor leaves of the grain ids keyed by secrets or personal data.</summary>
public sealed class GrainKeyRedactionTests
{
    [Theory]
    [InlineData("login/someone@example.com", "login/redacted")]
    [InlineData("apikey/00000000-0000-0000-0000-000000000002", "apikey/redacted")]
    [InlineData("[GrainAddress GrainId unknownemaillogin/203.0.113.7, ActivationId: @e6]", "[GrainAddress GrainId unknownemaillogin/redacted, ActivationId: @e6]")]
    [InlineData("faceshard/0a1b-3-0", "faceshard/0a1b-3-0")]
    public void OnEnd_GrainIdTag_KeepsTypeAndDropsSecretKeys(string tag, string exported)
    {
        using var span = new Activity("IApiKeyGrain/GetServiceAsync").SetTag("orleans.rpc.target_id", tag);
        using var redaction = new CompreFace.Silo.Observability.GrainKeyRedaction();

        redaction.OnEnd(span);

        Assert.Equal(exported, span.GetTagItem("orleans.rpc.target_id"));
    }
}

/// <summary><see cref="CompreFace.Silo.Observability.ObservabilityOptions"/> validation (DataAnnotations + IValidatableObject).</summary>
public sealed class ObservabilityOptionsTests
{
    [Theory]
    [InlineData("metrics", null, 1.0, "PrometheusPath")]
    [InlineData("/api/v1/metrics", null, 1.0, "PrometheusPath")]
    [InlineData("/metrics", "collector:4317", 1.0, "OtlpEndpoint")]
    [InlineData("/metrics", "ftp://collector:4317", 1.0, "OtlpEndpoint")]
    [InlineData("/metrics", null, 1.5, "TraceSampleRatio")]
    public void Validate_BadSetting_NamesIt(string path, string? otlp, double ratio, string member)
    {
        var options = new CompreFace.Silo.Observability.ObservabilityOptions
        {
            PrometheusPath = path,
            OtlpEndpoint = otlp is null ? null : new Uri(otlp, UriKind.RelativeOrAbsolute),
            TraceSampleRatio = ratio,
        };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();

        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(member));
    }

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        var options = new CompreFace.Silo.Observability.ObservabilityOptions { OtlpEndpoint = new Uri("http://otel-collector:4317") };
        Assert.True(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), [], validateAllProperties: true));
    }
}
