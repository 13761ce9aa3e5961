using System.Text.Json;
using CompreFace.Grains.Interfaces;
using CompreFace.WebApi.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CompreFace.WebApi.Tests;

/// <summary>The one place where failures become responses, without a host.</summary>
public sealed class ApiExceptionHandlerTests
{
    private static async Task<(int Status, JsonElement Body)> HandleAsync(Exception exception, long? serverLimit = null)
    {
        var handler = new ApiExceptionHandler(
            NullLogger<ApiExceptionHandler>.Instance, Options.Create(new ApiOptions { MaxFileSize = 5 * 1024 * 1024, MaxRequestSize = 10 * 1024 * 1024 }));
        var context = new DefaultHttpContext();
        if (serverLimit is { } limit)
        {
            context.Features.Set<IHttpMaxRequestBodySizeFeature>(new BodySizeFeature { MaxRequestBodySize = limit });
        }

        context.Response.Body = new MemoryStream();

        Assert.True(await handler.TryHandleAsync(context, exception, CancellationToken.None));

        context.Response.Body.Position = 0;
        using var document = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response.StatusCode, document.RootElement.Clone());
    }

    [Fact]
    public async Task BackendOutage_Returns503Code41_WhereCompreFaceAnswers500()
    {
        // Deliberate (docs/compatibility.md): the outage is transient and the request may be repeated.
        foreach (var outage in new Exception[] { new StoreUnavailableException("down"), new Orleans.Runtime.SiloUnavailableException() })
        {
            var (status, body) = await HandleAsync(outage);

            Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
            Assert.Equal(41, body.GetProperty("code").GetInt32());
            Assert.StartsWith("Error during synchronization between servers: ", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GrainCallTimeout_Returns503Code41_SayingTheNodeMayBeBusy()
    {
        // Orleans' response timeout is what a request queued behind a node's analyses meets: the node is alive.
        var (status, body) = await HandleAsync(new TimeoutException("Response did not arrive on time in 00:00:30"));

        Assert.Equal((StatusCodes.Status503ServiceUnavailable, 41), (status, body.GetProperty("code").GetInt32()));
        Assert.Equal("Error during synchronization between servers: a cluster node did not answer in time (busy or unavailable)",
            body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ChunkedBodyOverTheServerLimit_Returns413Code0NamingTheLimit()
    {
        var (status, body) = await HandleAsync(new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge));

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, status);
        Assert.Equal(0, body.GetProperty("code").GetInt32());
        Assert.Equal("Maximum request size of 10485760 bytes exceeded", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task ChunkedAdminBodyOverItsLimit_Returns413NamingTheLimitTheServerEnforced()
    {
        // /admin sets the server's per-request limit to Limits:MaxAdminRequestSize (AdminRequestLimit); Kestrel cuts the
        // chunked body off there, and the answer names that limit, not the face API's.
        var (status, body) = await HandleAsync(new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge), serverLimit: 1024 * 1024);

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, status);
        Assert.Equal(0, body.GetProperty("code").GetInt32());
        Assert.Equal("Maximum request size of 1048576 bytes exceeded", body.GetProperty("message").GetString());
    }

    private sealed class BodySizeFeature : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;

        public long? MaxRequestBodySize { get; set; }
    }
}
