using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace CompreFace.Node.Tests;

/// <summary>
/// An acknowledged add must survive <c>kill -9</c> of the node and a restart, on the embedded SQLite store and on
/// PostgreSQL.
/// </summary>
public sealed class DurabilityTests
{
    private const string RecognitionKey = "00000000-0000-0000-0000-000000000002";

    [Fact]
    public async Task AcknowledgedAdds_KillNineAndRestartOnSqlite_AreAllStillThere()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("cf-node-").FullName;
        try
        {
            await AssertAddsSurviveKillAsync(new Dictionary<string, string> { ["Storage:DataDirectory"] = dataDirectory });
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task AcknowledgedAdds_KillNineAndRestartOnPostgres_AreAllStillThere()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_node");
        await AssertAddsSurviveKillAsync(new Dictionary<string, string> { ["ConnectionStrings:Postgres"] = database.ConnectionString });
    }

    private static async Task AssertAddsSurviveKillAsync(Dictionary<string, string> settings)
    {
        var photo = await File.ReadAllBytesAsync(Paths.Photo("compreface-samples/sample_images/007_B.jpg"));
        var probe = await File.ReadAllBytesAsync(Paths.Photo("compreface-samples/sample_images/008_B.jpg"));
        var acknowledged = new List<string>();

        await using (var node = await NodeProcess.StartAsync(settings))
        {
            using var http = Client(node);

            // Adds from several clients at once; the node is killed right after the last acknowledgement.
            var adds = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
            {
                using var response = await http.SendAsync(AddFace(photo, i % 2 == 0 ? "Bea" : "Bert"));
                Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return json.RootElement.GetProperty("image_id").GetString()!;
            }));
            acknowledged.AddRange(adds);
            await node.KillAsync();
        }

        await using (var node = await NodeProcess.StartAsync(settings))
        {
            using var http = Client(node);
            using var list = await http.GetAsync(new Uri("/api/v1/recognition/faces?size=100", UriKind.Relative));
            using var faces = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
            var stored = faces.RootElement.GetProperty("faces").EnumerateArray().Select(f => f.GetProperty("image_id").GetString()!).ToHashSet();
            Assert.Subset(stored, acknowledged.ToHashSet());
            Assert.Equal(6, faces.RootElement.GetProperty("total_elements").GetInt64());

            // The restarted node answers from the reloaded collection.
            using var content = new MultipartFormDataContent { { Image(probe), "file", "probe.jpg" } };
            using var recognized = await http.PostAsync(new Uri("/api/v1/recognition/recognize", UriKind.Relative), content);
            using var result = JsonDocument.Parse(await recognized.Content.ReadAsStringAsync());
            var best = result.RootElement.GetProperty("result")[0].GetProperty("subjects")[0];
            Assert.Contains(best.GetProperty("subject").GetString(), (string[])["Bea", "Bert"]);
            Assert.True(best.GetProperty("similarity").GetDouble() >= 0.5);
        }
    }

    private static HttpClient Client(NodeProcess node)
    {
        var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("x-api-key", RecognitionKey);
        return http;
    }

    private static HttpRequestMessage AddFace(byte[] photo, string subject) =>
        new(HttpMethod.Post, new Uri($"/api/v1/recognition/faces?subject={subject}", UriKind.Relative))
        {
            Content = new MultipartFormDataContent { { Image(photo), "file", "face.jpg" } },
        };

    private static ByteArrayContent Image(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return content;
    }
}
