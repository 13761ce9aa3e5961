using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The real node (<c>src/Silo/Program.cs</c>): an in-process Orleans silo on free ports with the real models, shared
/// by every test class through <see cref="ApiTestGroup"/> because loading the models is the expensive part.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string RecognitionKey = "00000000-0000-0000-0000-000000000002";
    public const string DetectionKey = "00000000-0000-0000-0000-000000000003";
    public const string VerificationKey = "00000000-0000-0000-0000-000000000004";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Models:Path", SharedData.Models);
        builder.UseSetting("Cluster:SiloPort", FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Cluster:GatewayPort", FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Cluster:ClusterId", "webapi-tests-" + Guid.NewGuid().ToString("N"));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Orleans", "Error");
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One node for all HTTP tests.</summary>
[CollectionDefinition(Name)]
public sealed class ApiTestGroup : ICollectionFixture<ApiFactory>
{
    public const string Name = "Api";
}
