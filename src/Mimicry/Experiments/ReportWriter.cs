using System.Text.Json;
using System.Text.Json.Nodes;
using Mimicry.Configuration;
using Mimicry.Evaluation;
using Mimicry.IO;
using ScottPlot;

namespace Mimicry.Experiments;

/// <summary>
/// How every experiment writes its report: <c>NAME.md</c> and <c>NAME.json</c> (the provenance first: git revision,
/// date, command; then the experiment's own fields) and its figures, each file atomically (temp file + rename).
/// </summary>
public static class ReportWriter
{
    public static void Write(string outDir, string markdown, object payload, string name = "report", Provenance? provenance = null)
    {
        Directory.CreateDirectory(outDir);
        var p = provenance ?? Provenance.Current();
        var json = new JsonObject { ["git_revision"] = p.GitRevision, ["date"] = p.Date, ["command"] = p.Command };
        var body = JsonSerializer.SerializeToNode(payload, ConfigJson.Options)!.AsObject();
        foreach (var key in body.Select(kv => kv.Key).ToList())
        {
            var value = body[key];
            body.Remove(key);
            json[key] = value;
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, name + ".json"), json.ToJsonString(ConfigJson.Options));
        AtomicFile.WriteAllText(Path.Combine(outDir, name + ".md"), markdown);
    }

    /// <summary>The line under a report's title: the command and where and when it ran.</summary>
    public static string Header(Provenance? provenance = null)
    {
        var p = provenance ?? Provenance.Current();
        return $"`{p.Command}` at {p.GitRevision}, {p.Date}.";
    }

    public static void Png(string path, Plot plot, int width, int height) => AtomicFile.Write(path, tmp => plot.SavePng(tmp, width, height));

    public static void Png(string path, Multiplot plot, int width, int height) => AtomicFile.Write(path, tmp => plot.SavePng(tmp, width, height));
}
