using System.Net.Http.Headers;
using System.Text;
using CompreFace.WebApi.Binding;
using CompreFace.WebApi.Errors;
using Microsoft.AspNetCore.Http;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The one-pass multipart reader against bodies written by .NET's own <see cref="MultipartFormDataContent"/> (what SDKs
/// send) and hand-written edge cases, with ASP.NET's <c>FormFeature</c> as the reference for what a part means.
/// </summary>
public sealed class MultipartFormReaderTests
{
    private const string Boundary = "----cf-test-boundary";

    private static FormCollection Parse(string body, string boundary = Boundary)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return MultipartFormReader.Parse(bytes, bytes.Length, boundary);
    }

    private static async Task<IFormCollection> ReadAsync(byte[] body, string boundary, long maxBodySize, bool declareLength = true)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentLength = declareLength ? body.Length : null;
        return await MultipartFormReader.ReadAsync(context.Request, boundary, maxBodySize, CancellationToken.None);
    }

    [Fact]
    public async Task ReadAsync_SdkStyleBodyWithRealPhoto_FileBytesAndFieldsAreExact()
    {
        var photo = SharedData.SampleBytes("000_5.jpg");
        using var content = new MultipartFormDataContent("sdk-boundary");
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "file", "000_5.jpg");
        content.Add(new StringContent("0.8"), "det_prob_threshold");
        content.Add(new StringContent("age"), "face_plugins");
        content.Add(new StringContent("gender"), "face_plugins");
        var body = await content.ReadAsByteArrayAsync();

        foreach (var declared in new[] { true, false })
        {
            var form = await ReadAsync(body, "sdk-boundary", 10 * 1024 * 1024, declared);

            var part = Assert.Single(form.Files);
            Assert.Equal("file", part.Name);
            Assert.Equal("000_5.jpg", part.FileName);
            Assert.Equal("image/jpeg", part.ContentType);
            var read = new byte[part.Length];
            await using (var stream = part.OpenReadStream())
            {
                await stream.ReadExactlyAsync(read);
            }

            Assert.Equal(photo, read);
            Assert.Equal("0.8", form["det_prob_threshold"]);
            Assert.Equal("age,gender", string.Join(',', form["face_plugins"].ToArray()));
        }
    }

    [Fact]
    public void Parse_PreambleEpiloguePaddingAndHeaderCase_AreTolerated()
    {
        var form = Parse(
            "preamble text\r\n"
            + $"--{Boundary}  \t\r\ncontent-disposition: form-data; name=\"limit\"\r\n\r\n2\r\n"
            + $"--{Boundary}\r\nCONTENT-DISPOSITION: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nPNG\r\n--not-the-boundary\r\n"
            + $"--{Boundary}--\r\nepilogue");

        Assert.Equal("2", form["limit"]);
        var file = Assert.Single(form.Files);
        Assert.Equal(Encoding.ASCII.GetByteCount("PNG\r\n--not-the-boundary"), file.Length);
    }

    [Fact]
    public void Parse_EmptyBody_IsAnEmptyForm()
    {
        var form = Parse(string.Empty);

        Assert.Empty(form);
        Assert.Empty(form.Files);
    }

    [Fact]
    public void Parse_EmptyFileName_IsAFieldAsInAspNet()
    {
        var form = Parse($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\nabc\r\n--{Boundary}--\r\n");

        Assert.Empty(form.Files);
        Assert.Equal("abc", form["file"]);
    }

    [Fact]
    public void Parse_FileNameStar_IsDecodedAndWins()
    {
        var form = Parse(
            $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"; filename*=UTF-8''%C3%A9t%C3%A9.jpg\r\n\r\n1\r\n--{Boundary}--");

        Assert.Equal("été.jpg", Assert.Single(form.Files).FileName);
    }

    [Fact]
    public void Parse_FieldNamesAreCaseInsensitiveAndUnicodeValuesSurvive()
    {
        var form = Parse($"--{Boundary}\r\nContent-Disposition: form-data; name=\"Subject\"\r\n\r\nJosé 李\r\n--{Boundary}--");

        Assert.Equal("José 李", form["subject"]);
    }

    [Fact]
    public void Parse_PartsWithoutFormDataDisposition_AreSkipped()
    {
        var form = Parse(
            $"--{Boundary}\r\nContent-Type: text/plain\r\n\r\nstray\r\n"
            + $"--{Boundary}\r\n\r\nno headers\r\n"
            + $"--{Boundary}\r\nContent-Disposition: attachment; name=\"limit\"\r\n\r\n1\r\n--{Boundary}--");

        Assert.Empty(form);
        Assert.Empty(form.Files);
    }

    [Theory]
    [InlineData("no boundary at all")]
    [InlineData("--" + Boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated")]
    [InlineData("--" + Boundary + "\r\nContent-Disposition: form-data; name=\"a\"")]
    [InlineData("--" + Boundary + "garbage\r\n\r\nx\r\n--" + Boundary + "--")]
    public void Parse_MalformedBody_IsInvalidData(string body)
    {
        Assert.Throws<InvalidDataException>(() => Parse(body));
    }

    [Fact]
    public void Parse_HeaderBlockBeyondLimit_IsInvalidData()
    {
        var longHeader = new string('x', 17 * 1024);
        Assert.Throws<InvalidDataException>(() =>
            Parse($"--{Boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: {longHeader}\r\n\r\n1\r\n--{Boundary}--"));
    }

    [Fact]
    public void Parse_TooManyParts_IsInvalidData()
    {
        var body = new StringBuilder();
        for (var i = 0; i < 1025; i++)
        {
            body.Append($"--{Boundary}\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n{i}\r\n");
        }

        body.Append($"--{Boundary}--");
        Assert.Throws<InvalidDataException>(() => Parse(body.ToString()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadAsync_BodyOverTheLimit_Is413(bool declareLength)
    {
        var body = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n{new string('a', 300)}\r\n--{Boundary}--");

        var error = await Assert.ThrowsAsync<ApiException>(() => ReadAsync(body, Boundary, 256, declareLength));

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, error.StatusCode);
    }
}
