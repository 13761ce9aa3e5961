// A minimal CompreFace webhook receiver that verifies every delivery (docs/webhooks.md).
// Run it with the .NET 10 SDK, no project needed:
//   COMPREFACE_WEBHOOK_SECRET=whsec_... dotnet run deploy/examples/webhook-receiver.cs -- --urls http://0.0.0.0:5005
// and register http://<this host>:5005/hook as the service's webhook (allow its network in Webhooks:AllowedNetworks
// if it is private). It answers 204 to an authentic, fresh delivery (acting only on the first of repeated ones) and 401
// to anything else. tests/Node.Tests/WebhookReceiverExampleTests.cs builds and runs this file against a real node.
#:sdk Microsoft.NET.Sdk.Web

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

var secret = Environment.GetEnvironmentVariable("COMPREFACE_WEBHOOK_SECRET")
    ?? throw new InvalidOperationException("Set COMPREFACE_WEBHOOK_SECRET to the secret shown when the webhook was created.");
var key = Convert.FromBase64String(secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret["whsec_".Length..] : secret);
var tolerance = TimeSpan.FromMinutes(5);

// Ids seen within the tolerance window: a replayed delivery (same id) is refused; an old one fails the time check.
var seen = new ConcurrentDictionary<string, DateTimeOffset>();

var app = WebApplication.Create(args);
app.MapPost("/hook", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();
    var id = request.Headers["webhook-id"].ToString();
    var timestamp = request.Headers["webhook-timestamp"].ToString();
    var signatures = request.Headers["webhook-signature"].ToString();

    if (!long.TryParse(timestamp, out var seconds) || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
    {
        return Results.Unauthorized();
    }

    // HMAC-SHA256 over "id.timestamp.body", base64, prefixed "v1,"; compared in constant time.
    var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
    var expected = Encoding.ASCII.GetBytes("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
    if (!signatures.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s))))
    {
        return Results.Unauthorized();
    }

    foreach (var old in seen.Where(e => e.Value < DateTimeOffset.UtcNow - tolerance))
    {
        seen.TryRemove(old.Key, out _);
    }

    if (!seen.TryAdd(id, DateTimeOffset.UtcNow))
    {
        // Delivered before (at-least-once delivery can repeat one): acknowledge without acting twice.
        return Results.NoContent();
    }

    Console.WriteLine(Encoding.UTF8.GetString(body));
    return Results.NoContent();
});
app.Run();
