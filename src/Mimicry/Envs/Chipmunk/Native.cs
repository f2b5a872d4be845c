using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mimicry.Envs.Chipmunk;

/// <summary>Chipmunk's <c>cpVect</c>: two doubles, passed and returned by value.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct CpVect(double X, double Y);

/// <summary>Chipmunk's <c>cpTransform</c> (a 2x3 affine matrix).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct CpTransform(double A, double B, double C, double D, double Tx, double Ty)
{
    /// <summary><c>cpTransformIdentity</c> (a header inline in C).</summary>
    public static readonly CpTransform Identity = new(1, 0, 0, 1, 0, 0);
}

/// <summary>
/// P/Invoke surface of Debian's <c>libchipmunk.so.7</c> (Chipmunk 7.0.3, the engine pymunk 6.2.1 wraps).
/// cpFloat = double, cpBool = byte. The tiny getters and setters skip the GC transition: they
/// neither block nor call back into managed code.
/// </summary>
internal static unsafe partial class Native
{
    private const string Lib = "libchipmunk.so.7";

    [LibraryImport(Lib)] internal static partial IntPtr cpSpaceNew();
    [LibraryImport(Lib)] internal static partial void cpSpaceFree(IntPtr space);
    [LibraryImport(Lib)] internal static partial void cpSpaceSetGravity(IntPtr space, CpVect gravity);
    [LibraryImport(Lib)] internal static partial void cpSpaceSetDamping(IntPtr space, double damping);
    [LibraryImport(Lib)] internal static partial IntPtr cpSpaceGetStaticBody(IntPtr space);
    [LibraryImport(Lib)] internal static partial IntPtr cpSpaceAddBody(IntPtr space, IntPtr body);
    [LibraryImport(Lib)] internal static partial IntPtr cpSpaceAddShape(IntPtr space, IntPtr shape);
    [LibraryImport(Lib)] internal static partial void cpSpaceStep(IntPtr space, double dt);
    [LibraryImport(Lib)] internal static partial IntPtr cpSpaceAddCollisionHandler(IntPtr space, nuint a, nuint b);

    [LibraryImport(Lib)] internal static partial IntPtr cpBodyNew(double mass, double moment);
    [LibraryImport(Lib)] internal static partial IntPtr cpBodyNewKinematic();
    [LibraryImport(Lib)] internal static partial void cpBodyFree(IntPtr body);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial CpVect cpBodyGetPosition(IntPtr body);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial void cpBodySetPosition(IntPtr body, CpVect pos);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial double cpBodyGetAngle(IntPtr body);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial void cpBodySetAngle(IntPtr body, double angle);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial CpVect cpBodyGetVelocity(IntPtr body);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial void cpBodySetVelocity(IntPtr body, CpVect velocity);
    [LibraryImport(Lib)] internal static partial void cpBodySetCenterOfGravity(IntPtr body, CpVect cog);

    [LibraryImport(Lib)] internal static partial IntPtr cpCircleShapeNew(IntPtr body, double radius, CpVect offset);
    [LibraryImport(Lib)] internal static partial IntPtr cpSegmentShapeNew(IntPtr body, CpVect a, CpVect b, double radius);
    [LibraryImport(Lib)] internal static partial IntPtr cpPolyShapeNew(IntPtr body, int count, CpVect* verts, CpTransform transform, double radius);
    [LibraryImport(Lib)] internal static partial void cpShapeFree(IntPtr shape);
    [LibraryImport(Lib)] internal static partial double cpMomentForPoly(double mass, int count, CpVect* verts, CpVect offset, double radius);
    [LibraryImport(Lib), SuppressGCTransition] internal static partial int cpArbiterGetCount(IntPtr arbiter);

    // libc: used once to keep Debian's debug banner out of our stdout.
    [LibraryImport("libc", SetLastError = true)] internal static partial int dup(int fd);
    [LibraryImport("libc", SetLastError = true)] internal static partial int dup2(int fd, int fd2);
    [LibraryImport("libc", SetLastError = true)] internal static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] internal static partial int open(string path, int flags);
    [LibraryImport("libc")] internal static partial int fflush(IntPtr stream);

    /// <summary>Offset of <c>postSolveFunc</c> and <c>userData</c> in <c>struct cpCollisionHandler</c>
    /// (typeA, typeB, begin, preSolve, postSolve, separate, userData; all pointer-sized).</summary>
    internal const int PostSolveOffset = 4 * 8, UserDataOffset = 6 * 8;

    private static int _initialized;

    /// <summary>Debian builds Chipmunk with debug on: the first cpSpaceNew printf()s a two-line banner.
    /// We create (and free) that first space with fd 1 pointed at /dev/null, so the banner never
    /// mixes into machine-readable output.</summary>
    internal static void SilenceBanner()
    {
        if (Interlocked.Exchange(ref _initialized, 1) != 0) return;
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) { cpSpaceFree(cpSpaceNew()); return; }
        Console.Out.Flush();
        int saved = dup(1), devnull = open("/dev/null", 1 /* O_WRONLY */);
        if (saved < 0 || devnull < 0) { cpSpaceFree(cpSpaceNew()); return; }
        dup2(devnull, 1);
        try { cpSpaceFree(cpSpaceNew()); fflush(IntPtr.Zero); }
        finally { dup2(saved, 1); close(saved); close(devnull); }
    }

    /// <summary>Post-solve callback: adds the arbiter's contact count to the counter in userData
    /// (pymunk's <c>len(arbiter.contact_point_set.points)</c>).</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    internal static void CountContacts(IntPtr arbiter, IntPtr space, IntPtr userData)
    {
        *(long*)userData += cpArbiterGetCount(arbiter);
    }
}
