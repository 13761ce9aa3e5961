using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CompreFace.WebApi.ApiDocs;

/// <summary>
/// The plugin fields a face can carry: each <c>face_plugins</c> slug with the type of its value, in the catalog's
/// order. The inference tier owns the catalog; the composition root registers it here, so the HTTP tier describes
/// plugin fields without referencing the models.
/// </summary>
/// <param name="fields">Slug and value type, in catalog order.</param>
public sealed class FacePluginFields(IEnumerable<KeyValuePair<string, Type>> fields)
{
    /// <summary>Slug and value type, in catalog order.</summary>
    public IReadOnlyList<KeyValuePair<string, Type>> Fields { get; } = [.. fields];
}

/// <summary>
/// Describes faces as <see cref="FaceJsonConverter"/> writes them (docs/decisions/0028-openapi.md). The generator sees a
/// type with a custom converter as an empty schema; this gives every face type (detect, recognize, verify, matches)
/// its real properties: those of the type's contract in order, with the plugin fields from <see cref="FacePluginFields"/>
/// and <c>landmarks</c> in place of <see cref="FaceDto.Plugins"/>. Arrays of faces get it as their items.
/// </summary>
internal sealed class FaceSchemaTransformer : IOpenApiSchemaTransformer
{
    private static readonly System.Reflection.NullabilityInfoContext Nullability = new();

    public async Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (typeof(FaceDto).IsAssignableFrom(type))
        {
            await DescribeAsync(schema, type, context, cancellationToken);
        }
        else if (context.JsonTypeInfo.ElementType is { } element && typeof(FaceDto).IsAssignableFrom(element))
        {
            var items = new OpenApiSchema();
            await DescribeAsync(items, element, context, cancellationToken);
            schema.Items = items;
        }
    }

    private static async Task DescribeAsync(OpenApiSchema schema, Type type, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // The contract the converter writes from: the type's own, as the serializer sees it without the converter.
        var plain = new JsonSerializerOptions(context.JsonTypeInfo.Options);
        foreach (var converter in plain.Converters.OfType<FaceJsonConverter>().ToArray())
        {
            plain.Converters.Remove(converter);
        }

        plain.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver();
        var plugins = context.ApplicationServices.GetService(typeof(FacePluginFields)) as FacePluginFields;
        schema.Type = JsonSchemaType.Object;
        schema.Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        schema.Required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in plain.GetTypeInfo(type).Properties)
        {
            if (property.AttributeProvider is System.Reflection.PropertyInfo { Name: nameof(FaceDto.Plugins) } info && info.DeclaringType == typeof(FaceDto))
            {
                foreach (var (slug, valueType) in plugins?.Fields ?? [])
                {
                    if (!slug.StartsWith("landmarks", StringComparison.Ordinal))
                    {
                        var value = await context.GetOrCreateSchemaAsync(valueType, cancellationToken: cancellationToken);
                        value.Description = $"Only when `face_plugins` contains `{slug}`.";
                        schema.Properties[slug] = value;
                    }
                }

                schema.Properties["landmarks"] = Landmarks();
                continue;
            }

            var member = await context.GetOrCreateSchemaAsync(property.PropertyType, cancellationToken: cancellationToken);
            schema.Properties[property.Name] = member;

            // The converter leaves out null members only, so a member that is never null is always there.
            if (property.AttributeProvider is System.Reflection.PropertyInfo declared && Nullability.Create(declared).ReadState == System.Reflection.NullabilityState.NotNull)
            {
                schema.Required.Add(property.Name);
            }
        }
    }

    /// <summary><c>landmarks</c>: [x, y] points in original pixels, five from the detector or a landmark plugin's.</summary>
    private static OpenApiSchema Landmarks() => new()
    {
        Type = JsonSchemaType.Array,
        Description = "Only when `face_plugins` contains `landmarks` (the detector's five points) or a landmark plugin such as `landmarks68` (its points): [x, y] in original pixels.",
        Items = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            MinItems = 2,
            MaxItems = 2,
            Items = new OpenApiSchema { Type = JsonSchemaType.Number },
        },
    };
}
