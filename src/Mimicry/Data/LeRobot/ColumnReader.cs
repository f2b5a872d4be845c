using Parquet;
using Parquet.Schema;

namespace Mimicry.Data.LeRobot;

/// <summary>
/// Reads one parquet leaf column with its definition and repetition levels, so it accepts required
/// columns (Parquet.Net's default) and pyarrow's all-nullable ones (list elements at definition level 3)
/// alike. A null anywhere, a list of the wrong length, or a non-finite number is an error naming the
/// file, frame and feature.
/// </summary>
internal static class ColumnReader
{
    public static async Task ReadNumeric(ParquetReader reader, DataField leaf, FeatureInfo f, int rows, string where, float[] dest, int offset)
    {
        var t = leaf.ClrType;
        if (t == typeof(float)) await Read<float>(reader, leaf, f, rows, where, dest, offset, v => v);
        else if (t == typeof(double)) await Read<double>(reader, leaf, f, rows, where, dest, offset, v => (float)v);
        else if (t == typeof(long)) await Read<long>(reader, leaf, f, rows, where, dest, offset, v => v);
        else if (t == typeof(int)) await Read<int>(reader, leaf, f, rows, where, dest, offset, v => v);
        else if (t == typeof(bool)) await Read<bool>(reader, leaf, f, rows, where, dest, offset, v => v ? 1 : 0);
        else throw new InvalidDataException($"{where}: column '{f.Name}' holds {t.Name}, expected numbers for a {LeRobotLayout.DType(f.DType)} feature");
    }

    private static async Task Read<T>(ParquetReader reader, DataField leaf, FeatureInfo f, int rows, string where, float[] dest, int offset, Func<T, float> convert)
        where T : struct
    {
        int size = f.Size, row = -1, inRow = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = (int)(group.GetMetadata(leaf)?.MetaData?.NumValues ?? group.RowCount);
            var values = new T[n];
            var def = new int[n];
            var rep = new int[n];
            await group.ReadRawAsync<T>(leaf, values, def, rep);
            int maxDef = leaf.MaxDefinitionLevel, maxRep = leaf.MaxRepetitionLevel, v = 0;
            for (int i = 0; i < n; i++)
            {
                bool newRow = maxRep == 0 || rep[i] == 0;
                if (newRow)
                {
                    if (row >= 0 && inRow != size) throw LengthError(where, row, f, inRow);
                    row++;
                    inRow = 0;
                    if (row >= rows) throw new InvalidDataException($"{where}: column '{f.Name}' has more than {rows} rows");
                }
                if (maxDef > 0 && def[i] < maxDef)
                    throw new InvalidDataException($"{where}, frame {row}, feature '{f.Name}': null or empty value");
                if (inRow >= size) throw LengthError(where, row, f, inRow + 1);
                float x = convert(values[v++]);
                if (!float.IsFinite(x)) throw new InvalidDataException($"{where}, frame {row}, feature '{f.Name}'[{inRow}]: {x} is not finite");
                dest[offset + row * size + inRow++] = x;
            }
        }
        if (row + 1 != rows || inRow != size) throw row + 1 != rows
            ? new InvalidDataException($"{where}: column '{f.Name}' has {row + 1} rows, expected {rows}")
            : LengthError(where, row, f, inRow);
    }

    private static InvalidDataException LengthError(string where, int row, FeatureInfo f, int got) =>
        new($"{where}, frame {row}, feature '{f.Name}': {got} values, expected {f.Size} (shape [{string.Join(",", f.Shape)}])");

    public static async Task<List<byte[]?>> ReadBinary(ParquetReader reader, DataField leaf)
    {
        var result = new List<byte[]?>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = (int)group.RowCount;
            var values = new byte[]?[n];
            await group.ReadAsync(leaf, values.AsMemory(), null);
            result.AddRange(values);
        }
        return result;
    }
}
