using System.Text.Json;
using Mimicry.Tests.Envs;

namespace Mimicry.Tests.Cli;

/// <summary>Runs the `mimicry` command in-process with stdout captured (so not in parallel with other tests).</summary>
[Collection(nameof(MemoryMeasurements))]
public class CliTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try { return (Mimicry.Cli.Program.Main(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    /// <summary>A scripted fork dataset of <paramref name="episodes"/> demonstrations in ROOT/fork, through the CLI.</summary>
    internal static string ForkData(string root, int episodes = 12)
    {
        string data = Path.Combine(root, "fork");
        Assert.Equal(0, Run("dataset", "generate", data, "--task", "fork", "--episodes", episodes.ToString()).Code);
        return data;
    }

    [Fact]
    public void Env_reset_prints_the_reference_state()
    {
        var (code, output, _) = Run("env", "reset", "--task", "pusht", "--seed", "0");
        Assert.Equal(0, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var state = JsonDocument.Parse(line).RootElement.GetProperty("state").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        double[] expected = [222.0, 97.0, 222.99382739283774, 381.59903623605413, 3.0079994677219553];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], state[i], 9);
    }

    [Fact]
    public void Env_rollout_prints_one_line_per_action()
    {
        string csv = Path.GetTempFileName();
        File.WriteAllLines(csv, ["# x,y", "256,256", "300,300", "", "310.5,290"]);
        try
        {
            var (code, output, _) = Run("env", "rollout", "--seed", "5", "--actions", csv);
            Assert.Equal(0, code);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            foreach (var l in lines)
            {
                var j = JsonDocument.Parse(l).RootElement;
                Assert.Equal(5, j.GetProperty("state").GetArrayLength());
                foreach (var key in new[] { "reward", "coverage", "n_contacts" }) Assert.True(j.TryGetProperty(key, out _), key);
                Assert.False(j.GetProperty("success").GetBoolean());
            }
        }
        finally { File.Delete(csv); }
    }

    [Fact]
    public void Env_rollout_names_the_bad_line()
    {
        string csv = Path.GetTempFileName();
        File.WriteAllLines(csv, ["256,256", "300;300"]);
        try
        {
            var (code, _, err) = Run("env", "rollout", "--seed", "5", "--actions", csv);
            Assert.Equal(1, code);
            Assert.Contains($"{csv}:2", err);
        }
        finally { File.Delete(csv); }
    }

    [Fact]
    public void Replay_json_summarises_the_selected_episodes()
    {
        var (code, output, _) = Run("replay", TestData.BundledPushT, "--episodes", "0-2", "--json");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        var summary = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.Equal(3, summary.GetProperty("episodes").GetInt32());
        Assert.True(summary.GetProperty("max_state_error").GetDouble() < 1e-3);
    }

    [Fact]
    public void Replay_writes_a_gif()
    {
        string gif = Path.Combine(Path.GetTempPath(), $"mimicry-{Guid.NewGuid():N}.gif");
        try
        {
            var (code, _, _) = Run("replay", TestData.BundledPushT, "--episodes", "205", "--gif", gif, "--size", "64");
            Assert.Equal(0, code);
            var bytes = File.ReadAllBytes(gif);
            Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(bytes, 0, 6));
        }
        finally { File.Delete(gif); }
    }

    [Fact]
    public void Missing_dataset_is_a_clear_error()
    {
        var (code, _, err) = Run("replay", "/nonexistent/store.zarr");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/store.zarr", err);
    }
}
