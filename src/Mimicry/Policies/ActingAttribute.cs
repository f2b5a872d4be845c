using System.Reflection;
using System.Text.Json;

namespace Mimicry.Policies;

/// <summary>
/// Marks a policy config field that only changes how a trained network is used to act (sampler, steps,
/// execution, guidance), not what is trained: it may differ between training and evaluation
/// (<c>mimicry eval RUN --set policy.X=...</c>) without counting as another architecture.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ActingAttribute : Attribute
{
    /// <summary>The JSON (snake_case) names of the acting-only fields of a config type.</summary>
    public static IReadOnlyList<string> FieldsOf(Type configType) => configType
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetCustomAttribute<ActingAttribute>() != null)
        .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
        .Order()
        .ToList();
}
