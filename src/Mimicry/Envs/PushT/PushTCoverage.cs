using NetTopologySuite.Geometries;
using static Mimicry.Envs.PushT.PushTGeometry;

namespace Mimicry.Envs.PushT;

/// <summary>
/// Coverage of the goal T by the block T: area(goal ∩ block) / area(goal), with polygon intersection
/// by NetTopologySuite (shapely in the original: DP's <c>pymunk_to_shapely</c> + <c>intersection</c>).
/// Each T is two interior-disjoint convex pieces (bar, stem), so the overlap area is exactly the sum
/// of the four piece-by-piece intersection areas; this avoids overlaying a MultiPolygon whose parts
/// share an edge (invalid in the OGC model).
/// </summary>
public static class PushTCoverage
{
    private static readonly GeometryFactory Factory = new();
    private static readonly Polygon[] Goal = Place(GoalPose.X, GoalPose.Y, GoalPose.Angle);
    private static readonly double GoalArea = Goal.Sum(p => p.Area);

    /// <summary>The bar and stem polygons of a T whose body origin is at (x, y) with the given angle.</summary>
    public static Polygon[] Place(double x, double y, double angle) => [Polygon(Bar, x, y, angle), Polygon(Stem, x, y, angle)];

    private static Polygon Polygon((double X, double Y)[] local, double x, double y, double angle)
    {
        var coords = new Coordinate[local.Length + 1];
        for (int i = 0; i < local.Length; i++)
        {
            var w = ToWorld(local[i], x, y, angle);
            coords[i] = new Coordinate(w.X, w.Y);
        }
        coords[^1] = coords[0];
        return Factory.CreatePolygon(coords);
    }

    /// <summary>Coverage in [0, 1] for a block pose (body origin x, y, angle).</summary>
    public static double Compute((double X, double Y, double Angle) block)
    {
        var pieces = Place(block.X, block.Y, block.Angle);
        double overlap = 0;
        foreach (var g in Goal)
            foreach (var b in pieces)
                if (g.EnvelopeInternal.Intersects(b.EnvelopeInternal))
                    overlap += g.Intersection(b).Area;
        return overlap / GoalArea;
    }
}
