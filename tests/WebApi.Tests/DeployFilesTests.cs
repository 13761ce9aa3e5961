using CompreFace.Grains.Interfaces;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// deploy/ checked against the code it deploys (no container engine or cluster here): every setting the compose file
/// and the Kubernetes manifests pass is a real option with a value it accepts, every probe path answers on the real
/// node, the Secret, RBAC and labels the Deployment refers to exist, and nginx's body limit is the node's.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed partial class DeployFilesTests(ApiFactory factory)
{
    private static readonly string Deploy = Path.Combine(RepositoryRoot(), "deploy");

    /// <summary>Variables Orleans' Kubernetes hosting reads (not configuration keys of ours).</summary>
    private static readonly string[] Probes = ["startupProbe", "livenessProbe", "readinessProbe"];

    private static readonly string[] TlsSettings = ["Cluster__Tls__CertificatePath", "Cluster__Tls__KeyPath", "Cluster__Tls__AuthorityPath"];

    private static readonly string[] OrleansPodVariables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID"];

    [Fact]
    public void Compose_ThreeNodesInPostgresMode_UseTheCpuImageAndRealSettings()
    {
        var compose = LoadYaml(Path.Combine(Deploy, "docker-compose.yml")).Single();
        var services = Map(compose["services"]);
        var nodes = services.Where(s => s.Key.StartsWith("node", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, nodes.Length);

        foreach (var (_, value) in nodes)
        {
            var node = Map(value);
            var build = Map(node["build"]);
            Assert.True(File.Exists(Path.Combine(Deploy, (string)build["context"], (string)build["dockerfile"])));
            Assert.Equal("service_healthy", Map(Map(node["depends_on"])["postgres"])["condition"]);
            var environment = Map(node["environment"]).ToDictionary(e => e.Key, e => (string)e.Value);
            Assert.Equal("Postgres", environment["Cluster__Mode"]);
            foreach (var (key, setting) in environment)
            {
                AssertRealSetting(key, setting);
            }
        }

        Assert.Contains("pg_isready", string.Join(" ", List(Map(Map(services["postgres"])["healthcheck"])["test"])), StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_Nodes_DropEveryCapabilityAndCannotEscalate()
    {
        var services = Map(LoadYaml(Path.Combine(Deploy, "docker-compose.yml")).Single()["services"]);
        foreach (var (name, value) in services.Where(s => s.Key.StartsWith("node", StringComparison.Ordinal)))
        {
            var node = Map(value);
            Assert.True(node.ContainsKey("cap_drop") && List(node["cap_drop"]).Contains("ALL"), $"{name} keeps Linux capabilities");
            Assert.True(node.ContainsKey("security_opt") && List(node["security_opt"]).Contains("no-new-privileges:true"), $"{name} may gain privileges");
        }
    }

    [Fact]
    public void Kubernetes_Deployment_RefersToRealSettingsSecretRbacAndLabels()
    {
        var documents = Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").SelectMany(LoadYaml).ToArray();
        var kustomization = documents.Single(d => (string)d["kind"] == "Kustomization");
        Assert.Equal(
            Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(),
            List(kustomization["resources"]).Cast<string>().Order());

        var deployment = documents.Single(d => (string)d["kind"] == "Deployment");
        var template = Map(Map(deployment["spec"])["template"]);
        var labels = Map(Map(template["metadata"])["labels"]);
        var pod = Map(template["spec"]);
        var container = Map(List(pod["containers"]).Single());
        Assert.StartsWith("compreface-orleans:", (string)container["image"], StringComparison.Ordinal);

        var http = List(container["ports"]).Select(Map).Single(p => (string)p["name"] == "http");
        Assert.Equal(DockerfilePort(), int.Parse((string)http["containerPort"], CultureInfo.InvariantCulture));

        var environment = List(container["env"]).Select(Map).ToArray();
        Assert.Equal("Kubernetes", environment.Single(e => (string)e["name"] == "Cluster__Mode")["value"]);
        foreach (var variable in environment)
        {
            var name = (string)variable["name"];
            if (OrleansPodVariables.Contains(name))
            {
                var path = (string)Map(Map(variable["valueFrom"])["fieldRef"])["fieldPath"];
                var label = LabelPath().Match(path);
                Assert.True(!label.Success || labels.ContainsKey(label.Groups[1].Value), $"{name} reads label {path}, which the pod does not have");
                continue;
            }

            if (variable.TryGetValue("value", out var value))
            {
                AssertRealSetting(name, (string)value);
            }
            else
            {
                AssertRealSetting(name, null);
                var secretRef = Map(Map(variable["valueFrom"])["secretKeyRef"]);
                // The Secret is documented by an example that `kubectl apply -k` does not apply (no published password).
                var secret = Directory.GetFiles(Path.Combine(Deploy, "k8s", "examples"), "*.yaml").SelectMany(LoadYaml)
                    .Single(d => (string)d["kind"] == "Secret" && (string)Map(d["metadata"])["name"] == (string)secretRef["name"]);
                Assert.True(Map(secret["stringData"]).ContainsKey((string)secretRef["key"]));
            }
        }

        Assert.All(OrleansPodVariables, v => Assert.Contains(environment, e => (string)e["name"] == v));

        // The service account may list and watch pods, through a binding to its role.
        var account = (string)pod["serviceAccountName"];
        var binding = documents.Single(d => (string)d["kind"] == "RoleBinding" && List(d["subjects"]).Select(Map).Any(s => (string)s["name"] == account));
        var role = documents.Single(d => (string)d["kind"] == "Role" && (string)Map(d["metadata"])["name"] == (string)Map(binding["roleRef"])["name"]);
        var podRule = List(role["rules"]).Select(Map).Single(r => List(r["resources"]).Contains("pods"));
        Assert.Subset(List(podRule["verbs"]).Cast<string>().ToHashSet(), new HashSet<string> { "get", "list", "watch" });
        Assert.Contains(documents, d => (string)d["kind"] == "ServiceAccount" && (string)Map(d["metadata"])["name"] == account);

        // The Service selects the pods and targets the HTTP port by name.
        var service = documents.Single(d => (string)d["kind"] == "Service");
        Assert.All(Map(Map(service["spec"])["selector"]), s => Assert.Equal(s.Value, labels[s.Key]));
        Assert.Equal("http", Map(List(Map(service["spec"])["ports"]).Single())["targetPort"]);
    }

    [Fact]
    public void Deploy_Secrets_HaveNoDefaultPasswordAndNameTheirSslMode()
    {
        // Compose: `${VAR:-default}` would start with a published password; `${VAR:?message}` refuses to start.
        var compose = File.ReadAllText(Path.Combine(Deploy, "docker-compose.yml"));
        Assert.DoesNotMatch(PasswordDefault(), compose);
        Assert.Contains("${POSTGRES_PASSWORD:?", compose, StringComparison.Ordinal);

        // Kubernetes: no Secret among the applied resources; every connection string says how it uses TLS.
        var applied = Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").SelectMany(LoadYaml).ToArray();
        Assert.DoesNotContain(applied, d => (string)d["kind"] == "Secret");
        var examples = Directory.GetFiles(Path.Combine(Deploy, "k8s", "examples"), "*.yaml").SelectMany(LoadYaml);
        foreach (var connection in examples.Where(d => (string)d["kind"] == "Secret").SelectMany(d => Map(d["stringData"]).Values).Cast<string>()
                     .Append(ComposeConnectionString(compose)))
        {
            Assert.Contains("SSL Mode=", connection, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Deploy_SiloPort_IsReachableOnlyOverMutualTlsAndNoGatewayIsOpened()
    {
        // Compose: every node gets the three certificate files at the paths its settings name.
        var compose = LoadYaml(Path.Combine(Deploy, "docker-compose.yml")).Single();
        foreach (var (_, value) in Map(compose["services"]).Where(s => s.Key.StartsWith("node", StringComparison.Ordinal)))
        {
            var node = Map(value);
            var environment = Map(node["environment"]).ToDictionary(e => e.Key, e => (string)e.Value);
            var mounts = List(node["volumes"]).Cast<string>().Select(v => v.Split(':')[1]).ToHashSet();
            foreach (var setting in TlsSettings)
            {
                Assert.Contains(environment[setting], mounts);
            }

            Assert.DoesNotContain("Cluster__GatewayPort", environment.Keys);
            Assert.DoesNotContain(mounts, m => m.EndsWith("ca.key", StringComparison.Ordinal));
        }

        // Kubernetes: certificates from a mounted Secret, no gateway port, and a policy that admits only the app's own
        // pods to the silo port.
        var documents = Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").SelectMany(LoadYaml).ToArray();
        var deployment = documents.Single(d => (string)d["kind"] == "Deployment");
        var template = Map(Map(deployment["spec"])["template"]);
        var labels = Map(Map(template["metadata"])["labels"]);
        var container = Map(List(Map(template["spec"])["containers"]).Single());
        var env = List(container["env"]).Select(Map).Where(e => e.ContainsKey("value")).ToDictionary(e => (string)e["name"], e => (string)e["value"]);
        var mount = List(container["volumeMounts"]).Select(Map).Single(m => (string)m["name"] == "cluster-tls");
        Assert.All(TlsSettings,
            s => Assert.StartsWith((string)mount["mountPath"] + "/", env[s], StringComparison.Ordinal));
        Assert.DoesNotContain("Cluster__GatewayPort", env.Keys);
        Assert.DoesNotContain(List(container["ports"]).Select(Map), p => (string)p["name"] == "gateway");

        var policy = documents.Single(d => (string)d["kind"] == "NetworkPolicy");
        var spec = Map(policy["spec"]);
        Assert.All(Map(Map(spec["podSelector"])["matchLabels"]), l => Assert.Equal(l.Value, labels[l.Key]));
        var rules = List(spec["ingress"]).Select(Map).ToArray();
        var siloRule = Assert.Single(rules, r => List(r["ports"]).Select(Map).Any(p => (string)p["port"] == "silo"));
        var from = Map(List(siloRule["from"]).Select(Map).Single()["podSelector"]);
        Assert.All(Map(from["matchLabels"]), l => Assert.Equal(l.Value, labels[l.Key]));
        Assert.All(rules.Where(r => r != siloRule), r => Assert.DoesNotContain(List(r["ports"]).Select(Map), p => (string)p["port"] == "silo"));
    }

    [Fact]
    public async Task Kubernetes_ProbeAndScrapePaths_AnswerOkOnTheRealNode()
    {
        var deployment = LoadYaml(Path.Combine(Deploy, "k8s", "deployment.yaml")).Single();
        var template = Map(Map(deployment["spec"])["template"]);
        var container = Map(List(Map(template["spec"])["containers"]).Single());
        var paths = Probes
            .Select(probe => (string)Map(Map(container[probe])["httpGet"])["path"])
            .Append((string)Map(Map(template["metadata"])["annotations"])["prometheus.io/path"])
            .ToArray();
        Assert.Contains("/health/ready", paths);

        using var client = factory.CreateClient();
        foreach (var path in paths)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public void Deploy_NodesTrustOnlyTheirTlsProxySetSecureCookiesAndSeedNoDemo()
    {
        // Compose: nginx has a fixed address on a fixed subnet, and that address is the nodes' one trusted proxy.
        var compose = LoadYaml(Path.Combine(Deploy, "docker-compose.yml")).Single();
        var services = Map(compose["services"]);
        var nginxNetworks = Map(Map(services["nginx"])["networks"]);
        var (network, attachment) = Assert.Single(nginxNetworks);
        var nginxAddress = IPAddress.Parse((string)Map(attachment)["ipv4_address"]);
        var subnet = (string)Map(List(Map(Map(Map(compose["networks"])[network])["ipam"])["config"]).Single())["subnet"];
        Assert.True(System.Net.IPNetwork.Parse(subnet).Contains(nginxAddress));
        foreach (var (_, value) in services.Where(s => s.Key.StartsWith("node", StringComparison.Ordinal)))
        {
            var node = Map(value);
            var environment = Map(node["environment"]).ToDictionary(e => e.Key, e => (string)e.Value);
            Assert.Equal(nginxAddress, IPAddress.Parse(environment["ForwardedHeaders__KnownProxies__0"]));
            Assert.DoesNotContain(environment.Keys, k => k.StartsWith("ForwardedHeaders__KnownNetworks", StringComparison.Ordinal));
            Assert.Equal("Always", environment["Cookies__Secure"]);
            Assert.Contains(network, List(node["networks"]).Cast<string>());
            Assert.Equal("false", environment["Admin__SeedDemo"]);
        }

        // Kubernetes: the Ingress's network is trusted and the cookies are always Secure.
        var deployment = LoadYaml(Path.Combine(Deploy, "k8s", "deployment.yaml")).Single();
        var container = Map(List(Map(Map(Map(deployment["spec"])["template"])["spec"])["containers"]).Single());
        var env = List(container["env"]).Select(Map).Where(e => e.ContainsKey("value")).ToDictionary(e => (string)e["name"], e => (string)e["value"]);
        Assert.True(System.Net.IPNetwork.TryParse(env["ForwardedHeaders__KnownNetworks__0"], out _));
        Assert.Equal("Always", env["Cookies__Secure"]);
        Assert.Equal("false", env["Admin__SeedDemo"]);
    }

    [Fact]
    public void Nginx_TerminatesTlsWithHstsAndPlainHttpOnlyRedirects()
    {
        var conf = File.ReadAllText(Path.Combine(Deploy, "nginx.conf"));
        var servers = ServerBlock().Matches(conf).Select(m => m.Value).ToArray();
        Assert.Equal(2, servers.Length);
        var plain = Assert.Single(servers, s => s.Contains("listen 80;", StringComparison.Ordinal));
        var tls = Assert.Single(servers, s => s.Contains("listen 443 ssl;", StringComparison.Ordinal));

        // Plain HTTP proxies nothing: it only redirects to HTTPS.
        Assert.DoesNotContain("proxy_pass", plain, StringComparison.Ordinal);
        Assert.Contains("return 301 https://", plain, StringComparison.Ordinal);

        // TLS 1.2+, HSTS on every answer (errors too) for at least a year, and the scheme passed on to the nodes.
        Assert.Contains("ssl_protocols TLSv1.2 TLSv1.3;", tls, StringComparison.Ordinal);
        var hsts = Hsts().Match(tls);
        Assert.True(hsts.Success);
        Assert.True(long.Parse(hsts.Groups[1].Value, CultureInfo.InvariantCulture) >= 31_536_000);
        Assert.Contains("proxy_set_header X-Forwarded-Proto $scheme;", tls, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", tls, StringComparison.Ordinal);

        // Compose mounts the certificate and key where nginx reads them, and publishes the HTTPS port the redirect names.
        var compose = LoadYaml(Path.Combine(Deploy, "docker-compose.yml")).Single();
        var nginx = Map(Map(compose["services"])["nginx"]);
        var mounts = List(nginx["volumes"]).Cast<string>().Select(v => v.Split(':')[1]).ToHashSet();
        foreach (var file in SslFile().Matches(tls).Select(m => m.Groups[1].Value))
        {
            Assert.Contains(file, mounts);
        }

        var httpsPort = Regex.Match(plain, @"https://\$host:(\d+)").Groups[1].Value;
        Assert.Contains($"{httpsPort}:443", List(nginx["ports"]).Cast<string>());
    }

    [Fact]
    public async Task Nginx_MetricsRefusal_CoversEveryPathTheNodeServesMetricsOn()
    {
        // Metrics are per node (Prometheus scrapes each node directly); nginx must not pass them to the world. The node
        // routes case-insensitively and accepts a trailing slash, so an exact "location = /metrics" leaves /METRICS open.
        var conf = await File.ReadAllTextAsync(Path.Combine(Deploy, "nginx.conf"));
        var refusals = RefusedLocation().Matches(conf).Select(m => (Modifier: m.Groups[1].Value, Pattern: m.Groups[2].Value)).ToArray();
        bool Refused(string path) => refusals.Any(r => r.Modifier switch
        {
            "=" => string.Equals(path, r.Pattern, StringComparison.Ordinal),
            "~" => Regex.IsMatch(path, r.Pattern, RegexOptions.None, TimeSpan.FromSeconds(1)),
            "~*" => Regex.IsMatch(path, r.Pattern, RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1)),
            _ => false,
        });

        using var client = factory.CreateClient();
        var served = new List<string>();
        foreach (var path in new[] { "/metrics", "/METRICS", "/Metrics", "/metrics/", "/MeTrIcS/", "/metrics/x" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync()).Contains("# TYPE ", StringComparison.Ordinal))
            {
                served.Add(path);
            }
        }

        Assert.Contains("/metrics", served);
        Assert.All(served, path => Assert.True(Refused(path), $"nginx passes {path} to a node, which answers it with its metrics"));
    }

    [Fact]
    public void Nginx_BodyLimitAndUpstreams_MatchTheNodesLimitAndComposeServices()
    {
        var conf = File.ReadAllText(Path.Combine(Deploy, "nginx.conf"));
        var limit = BodyLimit().Match(conf);
        Assert.True(limit.Success);
        Assert.Equal(new CompreFace.Inference.ImageLimitsOptions().MaxRequestSize, long.Parse(limit.Groups[1].Value, CultureInfo.InvariantCulture) * 1024 * 1024);

        var compose = LoadYaml(Path.Combine(Deploy, "docker-compose.yml")).Single();
        var nodes = Map(compose["services"]).Keys.Where(k => k.StartsWith("node", StringComparison.Ordinal)).Order();
        var upstreams = UpstreamServer().Matches(conf).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(nodes, upstreams.Order());
        Assert.All(UpstreamServer().Matches(conf), m => Assert.Equal(DockerfilePort().ToString(CultureInfo.InvariantCulture), m.Groups[2].Value));
    }

    /// <summary>
    /// <paramref name="key"/> (environment form, <c>Section__Property</c>) names a public settable property of the
    /// options class bound to that section, or a connection string the node reads; <paramref name="value"/>, when
    /// given, converts to the property's type.
    /// </summary>
    private static void AssertRealSetting(string key, string? value)
    {
        var parts = key.Split("__");
        Assert.True(parts.Length >= 2, $"{key} is not a Section__Property setting");
        if (parts[0] == "ConnectionStrings")
        {
            Assert.Equal(CompreFace.Grains.Storage.StorageServiceCollectionExtensions.PostgresConnectionStringName, parts[1]);
            return;
        }

        var property = OptionsTypes()
            .Where(t => SectionsOf(t).Contains(parts[0]))
            .Select(t => t.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase))
            .FirstOrDefault(p => p is not null && (p.SetMethod?.IsPublic == true || ListElement(p.PropertyType) is not null));
        var settingType = property?.PropertyType;
        for (var i = 2; i < parts.Length && settingType is not null; i++)
        {
            // A list entry (ForwardedHeaders__KnownProxies__0): the list's element type.
            if (ListElement(settingType) is { } element && int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                settingType = element;
                continue;
            }

            // A nested section (Cluster__Tls__KeyPath): a property of the property's own options class.
            property = settingType.GetProperty(parts[i], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            settingType = property?.SetMethod?.IsPublic == true ? property.PropertyType : null;
        }

        Assert.True(settingType is not null && ListElement(settingType) is null, $"{key} is not a setting of the node");
        if (value is not null)
        {
            var type = Nullable.GetUnderlyingType(settingType) ?? settingType;
            var converted = type.IsEnum ? Enum.Parse(type, value, ignoreCase: true) : Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
            Assert.NotNull(converted);
        }
    }

    /// <summary>The element type of a list setting (<c>IList&lt;string&gt;</c>), else null (strings are not lists).</summary>
    private static Type? ListElement(Type type) =>
        type == typeof(string) ? null : type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>))?.GetGenericArguments()[0];

    private static IEnumerable<string> SectionsOf(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("SectionName", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!);

    private static IEnumerable<Type> OptionsTypes() =>
        new[] { typeof(Program).Assembly, typeof(ApiOptions).Assembly, typeof(CompreFace.Inference.ModelOptions).Assembly, typeof(StorageOptions).Assembly, typeof(CompreFace.Grains.Admin.AdminOptions).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && SectionsOf(t).Any());

    private static string ComposeConnectionString(string compose) =>
        Regex.Match(compose, @"ConnectionStrings__Postgres: (.+)").Groups[1].Value;

    /// <summary>A <c>location</c> of nginx.conf that answers 404 itself: its modifier and pattern.</summary>
    [GeneratedRegex(@"location\s+(=|~\*|~)\s+(\S+)\s*\{\s*return 404;")]
    private static partial Regex RefusedLocation();

    [GeneratedRegex(@"PASSWORD:-", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordDefault();

    private static int DockerfilePort()
    {
        var match = Regex.Match(File.ReadAllText(Path.Combine(Deploy, "Dockerfile")), @"ASPNETCORE_URLS=http://\+:(\d+)");
        Assert.True(match.Success);
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static List<Dictionary<string, object>> LoadYaml(string path)
    {
        using var reader = new StringReader(File.ReadAllText(path));

        // MergingParser applies YAML merge keys (<<: *node in the compose file).
        var parser = new MergingParser(new Parser(reader));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<Dictionary<string, object>>();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (!parser.Accept<YamlDotNet.Core.Events.StreamEnd>(out _))
        {
            documents.Add(Map(deserializer.Deserialize<Dictionary<object, object>>(parser)));
        }

        return documents;
    }

    private static Dictionary<string, object> Map(object node) =>
        ((Dictionary<object, object>)node).ToDictionary(e => (string)e.Key, e => e.Value);

    private static List<object> List(object node) => (List<object>)node;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CompreFace.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The tests must run inside the repository.");
    }

    /// <summary>A <c>server { … }</c> block of the http context (its nested blocks are one level deep).</summary>
    [GeneratedRegex(@"^  server \{(?:[^{}]|\{[^{}]*\})*\}", RegexOptions.Multiline)]
    private static partial Regex ServerBlock();

    [GeneratedRegex(@"add_header Strict-Transport-Security ""max-age=(\d+)[^""]*"" always;")]
    private static partial Regex Hsts();

    [GeneratedRegex(@"ssl_certificate(?:_key)?\s+(\S+);")]
    private static partial Regex SslFile();

    [GeneratedRegex(@"client_max_body_size\s+(\d+)m;")]
    private static partial Regex BodyLimit();

    [GeneratedRegex(@"^\s*server\s+([\w.-]+):(\d+)", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();

    [GeneratedRegex(@"^metadata\.labels\['(.+)'\]$")]
    private static partial Regex LabelPath();
}
