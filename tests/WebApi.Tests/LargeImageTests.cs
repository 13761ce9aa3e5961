using System.Net;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// Size limits as CompreFace applies them (docs/compatibility.md): multipart files at most 5 MiB, base64 images bounded
/// only by the 10 MiB request, so a phone photo of ~7 MB that SDKs send as base64 is processed on every image endpoint.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class LargeImageTests(ApiFactory factory)
{
    private const int MaxFileSize = 5 * 1024 * 1024;

    // A real 36 MP camera photo (one face) re-encoded at high quality: between the 5 MiB file limit and the ~7.5 MB
    // that fits a 10 MiB base64 body next to a small second image.
    private static readonly Lazy<byte[]> PhonePhoto = new(() =>
    {
        using var image = Image.Load(SharedData.SampleBytes("001_A.jpg"));
        foreach (var quality in new[] { 97, 95, 93, 90, 87, 84, 80 })
        {
            using var stream = new MemoryStream();
            image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
            if (stream.Length is > 6_000_000 and <= 7_400_000)
            {
                return stream.ToArray();
            }
        }

        throw new InvalidOperationException("No quality gave a 6.0–7.4 MB JPEG.");
    });

    private readonly HttpClient _client = factory.CreateClient();

    // Written by hand: the serializer's default encoder would escape every '+' as \u002B and inflate the body.
    private static string PhotoBase64 => Convert.ToBase64String(PhonePhoto.Value);

    [Fact]
    public async Task Base64PhonePhoto_OverTheFileLimit_IsProcessedByDetectRecognizeAddAndVerify()
    {
        Assert.InRange(PhonePhoto.Value.Length, MaxFileSize + 1, 7_400_000);

        using var detect = await _client.SendAsync(Post("/api/v1/detection/detect", RawJson($"{{\"file\":\"{PhotoBase64}\"}}"), ApiFactory.DetectionKey));
        Assert.Single((await ReadJsonAsync(detect)).GetProperty("result").EnumerateArray());

        using var recognize = await _client.SendAsync(Post("/api/v1/recognition/recognize", RawJson($"{{\"file\":\"{PhotoBase64}\"}}"), ApiFactory.RecognitionKey));
        Assert.Single((await ReadJsonAsync(recognize)).GetProperty("result").EnumerateArray());

        var subject = RecognitionTestClient.NewSubject("large");
        using var add = await _client.SendAsync(Post($"/api/v1/recognition/faces?subject={subject}", RawJson($"{{\"file\":\"{PhotoBase64}\"}}"), ApiFactory.RecognitionKey));
        Assert.Equal(subject, (await ReadJsonAsync(add, HttpStatusCode.Created)).GetProperty("subject").GetString());

        var target = Convert.ToBase64String(SharedData.SampleBytes("009_C.jpg"));
        using var verify = await _client.SendAsync(Post(
            "/api/v1/verification/verify", RawJson($"{{\"source_image\":\"{PhotoBase64}\",\"target_image\":\"{target}\"}}"), ApiFactory.VerificationKey));
        Assert.Single((await ReadJsonAsync(verify)).GetProperty("result").EnumerateArray());
    }

    [Fact]
    public async Task MultipartPhonePhoto_OverTheFileLimit_Is400Code0NamingTheLimit()
    {
        using var response = await _client.SendAsync(Post("/api/v1/detection/detect", File(PhonePhoto.Value, "phone.jpg"), ApiFactory.DetectionKey));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, 0, $"Maximum file size of {MaxFileSize} bytes exceeded");
    }

    [Fact]
    public async Task Base64Body_OverTheRequestLimit_Is413Code0NamingTheLimit()
    {
        // Two phone photos in one verification body: over 10 MiB, which CompreFace's proxy refuses with 413 too.
        using var response = await _client.SendAsync(Post(
            "/api/v1/verification/verify", RawJson($"{{\"source_image\":\"{PhotoBase64}\",\"target_image\":\"{PhotoBase64}\"}}"), ApiFactory.VerificationKey));

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, 0, $"Maximum request size of {10 * 1024 * 1024} bytes exceeded");
    }
}
