using Microsoft.Extensions.Options;

namespace CompreFace.Silo;

/// <summary>
/// Options the node's composition needs before the container exists (the silo builder, the OpenTelemetry builder,
/// which services to register). One place registers such a section's options type, validated at start like every
/// other, and reads the same binding at once, validated by the same data annotations, so a bad value stops the node
/// with the same error whichever reads it first.
/// </summary>
internal static class CompositionOptions
{
    /// <summary>
    /// Registers <typeparamref name="T"/> bound to <paramref name="section"/> (data annotations, checked at start) and
    /// returns it as bound now (<see cref="ReadOptions{T}"/>).
    /// </summary>
    public static T AddValidatedOptions<T>(this WebApplicationBuilder builder, string section)
        where T : class, new()
    {
        builder.Services.AddOptionsWithValidateOnStart<T>()
            .BindConfiguration(section)
            .ValidateDataAnnotations();
        return builder.ReadOptions<T>(section);
    }

    /// <summary><typeparamref name="T"/> bound to <paramref name="section"/> now, or an <see cref="OptionsValidationException"/>.</summary>
    public static T ReadOptions<T>(this WebApplicationBuilder builder, string section)
        where T : class, new()
    {
        var options = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        var result = new DataAnnotationValidateOptions<T>(null).Validate(null, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(T), result.Failures) : options;
    }
}
