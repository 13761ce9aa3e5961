using System.Net;
using System.Net.Http.Headers;

namespace CompreFace.Node.Tests;

/// <summary>
/// The executable's own telemetry, one node per process as in production (in-process test hosts share static
/// meters such as Orleans', so this is checked here).
/// </summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Metrics_RealNodeAfterDetect_ExposesStageHistogramsOrleansAndRuntimeMeters()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cf-node-").FullName;
        try
        {
            await using var node = await NodeProcess.StartAsync(new Dictionary<string, string> { ["Storage:DataDirectory"] = dataDirectory });
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

            var photo = new ByteArrayContent(await File.ReadAllBytesAsync(Paths.Photo("compreface-samples/sample_images/007_B.jpg")));
            photo.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/detection/detect?face_plugins=calculator", UriKind.Relative))
            {
                Content = new MultipartFormDataContent { { photo, "file", "face.jpg" } },
            };
            request.Headers.Add("x-api-key", "00000000-0000-0000-0000-000000000003");
            using (var detect = await http.SendAsync(request))
            {
                Assert.Equal(HttpStatusCode.OK, detect.StatusCode);
            }

            var scrape = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            foreach (var stage in (string[])["decode", "detect", "embed"])
            {
                Assert.Contains($"compreface_stage_duration_seconds_count{{otel_scope_name=\"CompreFace\",stage=\"{stage}\"}} 1", scrape, StringComparison.Ordinal);
            }

            Assert.Contains("# TYPE orleans_", scrape, StringComparison.Ordinal);
            Assert.Contains("# TYPE dotnet_gc_", scrape, StringComparison.Ordinal);
            Assert.Contains("# TYPE http_server_request_duration_seconds histogram", scrape, StringComparison.Ordinal);

            using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
