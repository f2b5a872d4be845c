using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mimicry.Configuration;

/// <summary>
/// JSON for configs and reports: snake_case names (as in the reference Python code), enums as
/// snake_case strings, unknown fields rejected. Errors name the file and the field.
/// </summary>
public static class ConfigJson
{
    /// <summary>Polymorphic sections: base type → (section name in errors, its derived types with their "type" names).</summary>
    private static readonly Dictionary<Type, (string Section, Func<IEnumerable<(Type Type, string Name)>> Derived)> Polymorphic = new();

    private static (JsonSerializerOptions Indented, JsonSerializerOptions Compact) _options = (Create(indented: true), Create(indented: false));

    /// <summary>Indented JSON (configs, reports).</summary>
    public static JsonSerializerOptions Options => _options.Indented;
    /// <summary>One line per value (metrics.jsonl).</summary>
    public static JsonSerializerOptions Compact => _options.Compact;

    /// <summary>A polymorphic section gained a type: later (de)serializations see it (options cache their contracts, so new ones are made).</summary>
    public static void TypesChanged() => _options = (Create(indented: true), Create(indented: false));

    /// <summary>
    /// Makes <paramref name="baseType"/> polymorphic, with a <c>"type"</c> discriminator naming each derived type. Call
    /// before the first (de)serialization of that type (a layer above registers its types from a module initializer).
    /// </summary>
    public static void AddPolymorphicType(Type baseType, string section, Func<IEnumerable<(Type Type, string Name)>> derived)
    {
        lock (Polymorphic) Polymorphic[baseType] = (section, derived);
        TypesChanged();
    }

    private static void AddDerivedTypes(JsonTypeInfo info)
    {
        (string Section, Func<IEnumerable<(Type Type, string Name)>> Derived) entry;
        lock (Polymorphic) if (!Polymorphic.TryGetValue(info.Type, out entry)) return;
        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization };
        foreach (var (type, name) in entry.Derived()) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, name));
    }

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = indented,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddDerivedTypes } },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Parses <paramref name="json"/>; <paramref name="source"/> names the file in errors.</summary>
    public static T Deserialize<T>(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"{source}: empty JSON");
        }
        catch (JsonException e)
        {
            string field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : e.Path.TrimStart('$', '.');
            string where = field.Length == 0 ? "" : $" at field '{field}'";
            throw new InvalidDataException($"{source}: invalid config{where}: {Explain(e, field)}", e);
        }
        catch (NotSupportedException e) // e.g. a polymorphic section without its "type"
        {
            List<(Type Type, string Section, string[] Names)> sections;
            lock (Polymorphic) sections = Polymorphic.Select(p => (p.Key, p.Value.Section, p.Value.Derived().Select(d => d.Name).ToArray())).ToList();
            var section = sections.FirstOrDefault(x => e.Message.Contains($"'{x.Type.FullName}'"));
            if (section.Type == null) throw new InvalidDataException($"{source}: invalid config: {e.Message}", e);
            throw new InvalidDataException($"{source}: invalid config: {e.Message.Replace($"'{section.Type.FullName}'", $"'{section.Section}'")} " +
                $"(a {section.Section} section needs \"type\": one of {string.Join(", ", section.Names)})", e);
        }
    }

    /// <summary>System.Text.Json's message in a user's words: an enum lists its values, a polymorphic section its types.</summary>
    private static string Explain(JsonException e, string field)
    {
        const string converted = "could not be converted to ";
        int at = e.Message.IndexOf(converted, StringComparison.Ordinal);
        if (at >= 0)
        {
            string typeName = new string(e.Message[(at + converted.Length)..].TakeWhile(c => char.IsLetterOrDigit(c) || c == '.' || c == '_' || c == '`').ToArray()).TrimEnd('.');
            var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t != null);
            type = type == null ? null : Nullable.GetUnderlyingType(type) ?? type;
            if (type is { IsEnum: true })
                return $"'{field}' must be one of {string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))}";
            if (type != null) return $"'{field}' must be {Describe(type)}";
        }
        const string discriminator = "unrecognized type discriminator id '";
        int d = e.Message.IndexOf(discriminator, StringComparison.Ordinal);
        if (d >= 0)
        {
            string id = new string(e.Message[(d + discriminator.Length)..].TakeWhile(c => c != '\'').ToArray());
            List<string> known;
            lock (Polymorphic) known = Polymorphic.Values.SelectMany(v => v.Derived().Select(x => x.Name)).ToList();
            return $"unknown type '{id}' (known: {string.Join(", ", known)})";
        }
        return e.Message.Split(" Path: ")[0];
    }

    private static string Describe(Type type) => type == typeof(int) || type == typeof(long) ? "an integer"
        : type == typeof(double) || type == typeof(float) ? "a number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string) ? "a string"
        : type.IsArray ? $"a list of {Describe(type.GetElementType()!)}s"
        : $"a {JsonNamingPolicy.SnakeCaseLower.ConvertName(type.Name)} section";

    /// <summary>The fields whose values differ between two JSON documents, as "a.b: x → y" (the first few).</summary>
    public static List<string> Differences(string before, string after)
    {
        var found = new List<string>();
        void Walk(JsonNode? a, JsonNode? b, string path)
        {
            if (found.Count >= 5) return;
            if (a is JsonObject oa && b is JsonObject ob)
            {
                foreach (var key in oa.Select(p => p.Key).Union(ob.Select(p => p.Key)))
                    Walk(oa[key], ob[key], path.Length == 0 ? key : $"{path}.{key}");
                return;
            }
            string x = a?.ToJsonString() ?? "null", y = b?.ToJsonString() ?? "null";
            if (x != y) found.Add($"{path}: {x} → {y}");
        }
        Walk(JsonNode.Parse(before), JsonNode.Parse(after), "");
        return found;
    }

    public static T Load<T>(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"config file not found: {path}", path);
        return Deserialize<T>(File.ReadAllText(path), path);
    }

    /// <summary>Writes JSON to a temp file and renames it into place.</summary>
    public static void Save<T>(T value, string path) => IO.AtomicFile.WriteAllText(path, Serialize(value));

    /// <summary>
    /// Applies "a.b.c=value" overrides (value parsed as JSON, else taken as a string) to an object's
    /// JSON form, then reads it back, so every override is type-checked by the same rules as a file.
    /// </summary>
    public static T WithOverrides<T>(T value, IEnumerable<string> overrides)
    {
        var node = JsonSerializer.SerializeToNode(value, Options)!.AsObject();
        foreach (var o in overrides)
        {
            int eq = o.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--set '{o}': expected key=value");
            string key = o[..eq].Trim(), text = o[(eq + 1)..].Trim();
            var path = key.Split('.');
            JsonObject parent = node;
            for (int i = 0; i < path.Length - 1; i++)
                parent = parent[path[i]] as JsonObject ?? throw new ArgumentException($"--set '{o}': '{string.Join('.', path[..(i + 1)])}' is not a section (known: {string.Join(", ", parent.Select(p => p.Key))})");
            if (!parent.ContainsKey(path[^1])) throw new ArgumentException($"--set '{o}': unknown field '{key}' (known: {string.Join(", ", parent.Select(p => p.Key))})");
            JsonNode? parsed;
            try { parsed = JsonNode.Parse(text); }
            catch (JsonException) { parsed = JsonValue.Create(text); }
            parent[path[^1]] = parsed;
        }
        return Deserialize<T>(node.ToJsonString(Options), "--set");
    }
}
