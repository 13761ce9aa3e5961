using System.Text.Json;
using static CompreFace.WebApi.Tests.ApiTestHelpers;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// The document's face schemas (written by a custom converter, described by <c>FaceSchemaTransformer</c>,
/// docs/decisions/0028-openapi.md) against real answers of the node with every plugin: each field of a real detect,
/// recognize and verify answer is declared in the schema of its route, with the right JSON type, and each property the
/// schema requires is there.
/// </summary>
[Collection(ApiTestGroup.Name)]
public sealed class OpenApiFaceSchemaTests(ApiFactory factory)
{
    private const string AllPlugins = "?face_plugins=age,gender,pose,mask,landmarks,liveness,expression,quality,calculator&status=true";

    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("/api/v1/detection/detect", ApiFactory.DetectionKey)]
    [InlineData("/api/v1/recognition/recognize", ApiFactory.RecognitionKey)]
    public async Task FaceSchema_RealAnswerWithEveryPlugin_IsFullyDeclared(string path, string key)
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        using var response = await _client.SendAsync(Post(path + AllPlugins, File(SharedData.SampleBytes("000_5.jpg")), key));
        var body = await ReadJsonAsync(response);

        var faces = body.GetProperty("result").EnumerateArray().ToArray();
        Assert.True(faces.Length > 1);
        var face = faces[0];
        foreach (var field in (string[])["box", "age", "gender", "pose", "mask", "landmarks", "liveness", "expression", "quality", "embedding", "execution_time"])
        {
            Assert.True(face.TryGetProperty(field, out _), $"the answer itself lacks {field}: the test would prove nothing");
        }

        AssertConforms(document.RootElement, path, body);
    }

    [Fact]
    public async Task FaceSchema_RealVerificationWithEveryPlugin_IsFullyDeclared()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        using var content = Multipart(("source_image", SharedData.SampleBytes("009_C.jpg"), "a.jpg"), ("target_image", SharedData.SampleBytes("000_5.jpg"), "b.jpg"));
        using var response = await _client.SendAsync(Post(VerifyUrl + AllPlugins, content, ApiFactory.VerificationKey));
        var body = await ReadJsonAsync(response);
        Assert.True(body.GetProperty("result")[0].GetProperty("face_matches")[0].TryGetProperty("similarity", out _));

        AssertConforms(document.RootElement, VerifyUrl, body);
    }

    [Fact]
    public async Task FaceSchema_Declared_HasThePluginFieldsAndTheirValues()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var face = schemas.GetProperty("FaceDto");

        var properties = face.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(
            ["box", "age", "gender", "pose", "mask", "liveness", "expression", "quality", "landmarks", "embedding", "execution_time"],
            properties);
        Assert.Equal(["box"], face.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        var age = Resolve(document.RootElement, face.GetProperty("properties").GetProperty("age"));
        Assert.Equal(["probability", "high", "low"], age.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    /// <summary>Checks <paramref name="body"/> against the 200 answer's schema of POST <paramref name="path"/>.</summary>
    private static void AssertConforms(JsonElement document, string path, JsonElement body)
    {
        var schema = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var problems = new List<string>();
        Check(document, schema, body, "$", problems);
        Assert.True(problems.Count == 0, $"{path}: the answer does not match its documented schema:\n" + string.Join('\n', problems));
    }

    private static void Check(JsonElement document, JsonElement schema, JsonElement value, string at, List<string> problems)
    {
        schema = Resolve(document, schema);
        if (schema.TryGetProperty("type", out var type))
        {
            string[] allowed = type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!)] : [type.GetString()!];
            var kind = value.ValueKind switch
            {
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                JsonValueKind.String => "string",
                JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                _ => "null",
            };
            if (!allowed.Contains(kind) && !(kind == "integer" && allowed.Contains("number")))
            {
                problems.Add($"{at}: {kind}, documented as {string.Join('|', allowed)}");
                return;
            }
        }
        else if (!schema.TryGetProperty("properties", out _))
        {
            problems.Add($"{at}: documented without a type or properties");
            return;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            var additional = schema.TryGetProperty("additionalProperties", out var a) ? a : default;
            foreach (var property in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var declared))
                {
                    Check(document, declared, property.Value, $"{at}.{property.Name}", problems);
                }
                else if (additional.ValueKind == JsonValueKind.Object)
                {
                    Check(document, additional, property.Value, $"{at}.{property.Name}", problems);
                }
                else
                {
                    problems.Add($"{at}.{property.Name}: not declared");
                }
            }

            if (schema.TryGetProperty("required", out var required))
            {
                problems.AddRange(required.EnumerateArray().Select(r => r.GetString()!).Where(r => !value.TryGetProperty(r, out _)).Select(r => $"{at}.{r}: required but absent"));
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            if (!schema.TryGetProperty("items", out var items))
            {
                problems.Add($"{at}: an array documented without items");
                return;
            }

            var i = 0;
            foreach (var element in value.EnumerateArray())
            {
                Check(document, items, element, $"{at}[{i++}]", problems);
            }
        }
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..]);
        }

        return schema;
    }
}
