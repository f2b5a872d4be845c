using Parquet;
using Parquet.Schema;

namespace Mimicry.Bench.Tools;

/// <summary>
/// Makes <c>Fixtures/lerobot-pyarrow/</c>: a 2-episode LeRobot v2.1 dataset whose parquet files have the
/// shape pyarrow gives them when HF datasets / pandas write LeRobot data: every column nullable,
/// list columns as <c>optional group (LIST) { repeated group list { optional element } }</c>
/// (definition level 3), numeric lists stored as float64 (numpy's default), scalar int64 bookkeeping
/// columns, and pandas' extra <c>__index_level_0__</c> column. pyarrow is not packaged for Debian 12,
/// so the files were written with Parquet.Net's low-level API reproducing that schema; the test
/// the test LeRobotTests.Reads_pyarrow_shaped_files checks the schema is as described.
/// Regenerate: <c>dotnet run --project bench/Mimicry.Bench -- make-pyarrow-fixture</c>.
/// Values: observation.state[t] = [e + 0.5 t, -t], action[t] = [10 e + t, 2 t], next.reward[t] = t / 10.
/// </summary>
public static class PyarrowFixture
{
    public static readonly int[] Lengths = [4, 3];

    public static int Run(BenchArgs args)
    {
        Write().GetAwaiter().GetResult();
        return 0;
    }

    private static async Task Write()
    {
        string root = Path.Combine(BenchArgs.RepoRoot, "tests", "Mimicry.Tests", "Fixtures", "lerobot-pyarrow");
        Directory.CreateDirectory(Path.Combine(root, "meta"));
        Directory.CreateDirectory(Path.Combine(root, "data", "chunk-000"));
        long index = 0;
        for (int e = 0; e < Lengths.Length; e++)
        {
            int n = Lengths[e];
            var state = new ListField("observation.state", new DataField<double?>("element", true));
            var action = new ListField("action", new DataField<double?>("element", true));
            var reward = new DataField<double?>("next.reward", true);
            var done = new DataField<bool?>("next.done", true);
            var ts = new DataField<float?>("timestamp", true);
            var fi = new DataField<long?>("frame_index", true);
            var ei = new DataField<long?>("episode_index", true);
            var ix = new DataField<long?>("index", true);
            var ti = new DataField<long?>("task_index", true);
            var pandas = new DataField<long?>("__index_level_0__", true);
            var schema = new ParquetSchema(state, action, reward, done, ts, fi, ei, ix, ti, pandas);
            await using var fs = File.Create(Path.Combine(root, "data", "chunk-000", $"episode_{e:000000}.parquet"));
            await using var w = await ParquetWriter.CreateAsync(schema, fs);
            using var g = w.CreateRowGroup();
            int[] rep = Enumerable.Range(0, 2 * n).Select(i => i % 2).ToArray();
            await g.WriteAsync<double>((DataField)state.Item, Enumerable.Range(0, n).SelectMany(t => new double?[] { e + 0.5 * t, -t }).ToArray(), rep);
            await g.WriteAsync<double>((DataField)action.Item, Enumerable.Range(0, n).SelectMany(t => new double?[] { 10 * e + t, 2 * t }).ToArray(), rep);
            await g.WriteAsync<double>(reward, Enumerable.Range(0, n).Select(t => (double?)(t / 10.0)).ToArray());
            await g.WriteAsync<bool>(done, Enumerable.Range(0, n).Select(t => (bool?)(t == n - 1)).ToArray());
            await g.WriteAsync<float>(ts, Enumerable.Range(0, n).Select(t => (float?)(t / 10f)).ToArray());
            await g.WriteAsync<long>(fi, Enumerable.Range(0, n).Select(t => (long?)t).ToArray());
            await g.WriteAsync<long>(ei, Enumerable.Repeat((long?)e, n).ToArray());
            await g.WriteAsync<long>(ix, Enumerable.Range(0, n).Select(t => (long?)(index + t)).ToArray());
            await g.WriteAsync<long>(ti, Enumerable.Repeat((long?)0, n).ToArray());
            await g.WriteAsync<long>(pandas, Enumerable.Range(0, n).Select(t => (long?)t).ToArray());
            index += n;
        }
        File.WriteAllText(Path.Combine(root, "meta", "info.json"), """
        {
            "codebase_version": "v2.1",
            "robot_type": null,
            "total_episodes": 2,
            "total_frames": 7,
            "total_tasks": 1,
            "total_videos": 0,
            "total_chunks": 1,
            "chunks_size": 1000,
            "fps": 10,
            "splits": {"train": "0:2"},
            "data_path": "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet",
            "video_path": null,
            "features": {
                "observation.state": {"dtype": "float32", "shape": [2], "names": {"motors": ["motor_0", "motor_1"]}},
                "action": {"dtype": "float32", "shape": [2], "names": {"motors": ["motor_0", "motor_1"]}},
                "next.reward": {"dtype": "float32", "shape": [1], "names": null},
                "next.done": {"dtype": "bool", "shape": [1], "names": null},
                "timestamp": {"dtype": "float32", "shape": [1], "names": null},
                "frame_index": {"dtype": "int64", "shape": [1], "names": null},
                "episode_index": {"dtype": "int64", "shape": [1], "names": null},
                "index": {"dtype": "int64", "shape": [1], "names": null},
                "task_index": {"dtype": "int64", "shape": [1], "names": null}
            }
        }
        """);
        File.WriteAllText(Path.Combine(root, "meta", "episodes.jsonl"),
            "{\"episode_index\": 0, \"tasks\": [\"count\"], \"length\": 4}\n{\"episode_index\": 1, \"tasks\": [\"count\"], \"length\": 3}\n");
        File.WriteAllText(Path.Combine(root, "meta", "tasks.jsonl"), "{\"task_index\": 0, \"task\": \"count\"}\n");
        Console.WriteLine($"wrote {root}");
    }
}
