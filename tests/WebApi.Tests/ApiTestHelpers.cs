using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CompreFace.WebApi.Tests;

/// <summary>Request builders and contract assertions shared by the HTTP tests.</summary>
internal static class ApiTestHelpers
{
    public const string DetectUrl = "/api/v1/detection/detect";
    public const string VerifyUrl = "/api/v1/verification/verify";
    public const string EmbeddingsVerifyUrl = "/api/v1/verification/embeddings/verify";

    public static HttpRequestMessage Post(string url, HttpContent? content, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (apiKey is not null)
        {
            request.Headers.Add("x-api-key", apiKey);
        }

        return request;
    }

    public static MultipartFormDataContent Multipart(params (string Name, byte[] Bytes, string FileName)[] files)
    {
        var content = new MultipartFormDataContent();
        foreach (var (name, bytes, fileName) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            content.Add(part, name, fileName);
        }

        return content;
    }

    public static MultipartFormDataContent File(byte[] bytes, string fileName = "image.jpg", string name = "file") =>
        Multipart((name, bytes, fileName));

    public static StringContent Json(object? body) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static StringContent RawJson(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>CompreFace's error body: exactly <c>message</c> (string) and <c>code</c> (int), as JSON.</summary>
    public static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, int code, string? message = null)
    {
        var body = await ReadJsonAsync(response, status);
        AssertKeys(body, "code", "message");
        Assert.Equal(code, body.GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.String, body.GetProperty("message").ValueKind);
        if (message is not null)
        {
            Assert.Equal(message, body.GetProperty("message").GetString());
        }

        AssertCors(response);
        return body;
    }

    public static void AssertKeys(JsonElement element, params string[] keys)
    {
        Assert.Equal(JsonValueKind.Object, element.ValueKind);
        var actual = element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(keys.Order(StringComparer.Ordinal).ToArray(), actual);
    }

    public static void AssertCors(HttpResponseMessage response)
    {
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("GET, POST, OPTIONS, PUT, DELETE", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal(
            "DNT,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,x-api-key",
            Header(response, "Access-Control-Allow-Headers"));
    }

    /// <summary>A box with integer coordinates and a numeric probability, keys exactly as CompreFace's.</summary>
    public static void AssertBox(JsonElement box)
    {
        AssertKeys(box, "probability", "x_max", "x_min", "y_max", "y_min");
        Assert.Equal(JsonValueKind.Number, box.GetProperty("probability").ValueKind);
        foreach (var name in new[] { "x_max", "x_min", "y_max", "y_min" })
        {
            Assert.True(box.GetProperty(name).TryGetInt32(out _), $"{name} is not an integer");
        }

        Assert.True(box.GetProperty("x_max").GetInt32() > box.GetProperty("x_min").GetInt32());
        Assert.True(box.GetProperty("y_max").GetInt32() > box.GetProperty("y_min").GetInt32());
    }

    public static int Area(JsonElement face)
    {
        var box = face.GetProperty("box");
        return (box.GetProperty("x_max").GetInt32() - box.GetProperty("x_min").GetInt32())
            * (box.GetProperty("y_max").GetInt32() - box.GetProperty("y_min").GetInt32());
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : null;
}

/// <summary>A body without a length, so that it goes out chunked like the .NET SDK's.</summary>
internal sealed class ChunkedContent : HttpContent
{
    private readonly byte[] _body;

    public ChunkedContent(byte[] body, string contentType)
    {
        _body = body;
        Headers.TryAddWithoutValidation("Content-Type", contentType);
    }

    public static ChunkedContent Multipart(string boundary, bool quoteBoundary, params (string Name, byte[] Bytes, string FileName)[] files)
    {
        using var stream = new MemoryStream();
        foreach (var (name, bytes, fileName) in files)
        {
            Write(stream, $"--{boundary}\r\nContent-Disposition: form-data; name={name}; filename={fileName}; filename*=utf-8''{fileName}\r\n\r\n");
            stream.Write(bytes);
            Write(stream, "\r\n");
        }

        Write(stream, $"--{boundary}--\r\n");
        var quoted = quoteBoundary ? $"\"{boundary}\"" : boundary;
        return new ChunkedContent(stream.ToArray(), $"multipart/form-data; boundary={quoted}");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_body).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(new MemoryStream(_body));

    private static void Write(Stream stream, string text) => stream.Write(Encoding.UTF8.GetBytes(text));
}

/// <summary>Hand-made image bytes for decoder edge cases.</summary>
internal static class CraftedImages
{
    /// <summary>A valid 1×1 RGBA PNG.</summary>
    public static byte[] OnePixelPng { get; } =
        Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    /// <summary>A PNG signature and IHDR that claim <paramref name="width"/>×<paramref name="height"/>, then a few bytes of nothing.</summary>
    public static byte[] PngHeader(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // RGB
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IDAT", [0x78, 0x9C, 0x01, 0x02, 0x03, 0x04]);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        stream.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
