using System.Runtime.InteropServices;

namespace Mimicry.Envs.Chipmunk;

/// <summary>
/// A Chipmunk space that owns every body and shape added through it. Releasing the handle frees
/// the space first (cpSpaceDestroy still touches its bodies), then the shapes, then the bodies, so
/// nothing is freed while something else can still reach it.
/// </summary>
public sealed unsafe class CpSpace : SafeHandle
{
    private readonly List<IntPtr> _bodies = new(4);
    private readonly List<IntPtr> _shapes = new(8);
    private long* _contactCounter;
    private static long _live;

    /// <summary>Chipmunk objects (spaces, bodies, shapes) currently allocated through this class, process-wide.</summary>
    public static long LiveNativeObjects => Interlocked.Read(ref _live);

    public CpSpace() : base(IntPtr.Zero, ownsHandle: true)
    {
        Native.SilenceBanner();
        SetHandle(Native.cpSpaceNew());
        if (handle == IntPtr.Zero) throw new InvalidOperationException("cpSpaceNew returned null");
        Interlocked.Increment(ref _live);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public IntPtr StaticBody => Native.cpSpaceGetStaticBody(handle);

    public CpVect Gravity { set => Native.cpSpaceSetGravity(handle, value); }
    public double Damping { set => Native.cpSpaceSetDamping(handle, value); }

    /// <summary>Adds a body created by the caller; the space frees it.</summary>
    public IntPtr AddBody(IntPtr body)
    {
        if (body == IntPtr.Zero) throw new InvalidOperationException("null body");
        _bodies.Add(body);
        Interlocked.Increment(ref _live);
        return Native.cpSpaceAddBody(handle, body);
    }

    /// <summary>Adds a shape created by the caller; the space frees it.</summary>
    public IntPtr AddShape(IntPtr shape)
    {
        if (shape == IntPtr.Zero) throw new InvalidOperationException("null shape");
        _shapes.Add(shape);
        Interlocked.Increment(ref _live);
        return Native.cpSpaceAddShape(handle, shape);
    }

    public void Step(double dt) => Native.cpSpaceStep(handle, dt);

    /// <summary>Installs a post-solve handler for collision types (a, b) that counts contact points.</summary>
    public void CountContacts(nuint a, nuint b)
    {
        if (_contactCounter == null) _contactCounter = (long*)NativeMemory.AllocZeroed(sizeof(long));
        byte* h = (byte*)Native.cpSpaceAddCollisionHandler(handle, a, b);
        *(IntPtr*)(h + Native.PostSolveOffset) = (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, void>)&Native.CountContacts;
        *(IntPtr*)(h + Native.UserDataOffset) = (IntPtr)_contactCounter;
    }

    /// <summary>Contact points counted since the last <see cref="ResetContacts"/>.</summary>
    public long Contacts => _contactCounter == null ? 0 : *_contactCounter;
    public void ResetContacts() { if (_contactCounter != null) *_contactCounter = 0; }

    protected override bool ReleaseHandle()
    {
        Native.cpSpaceFree(handle);
        foreach (var s in _shapes) Native.cpShapeFree(s);
        foreach (var b in _bodies) Native.cpBodyFree(b);
        Interlocked.Add(ref _live, -(1 + _shapes.Count + _bodies.Count));
        _shapes.Clear();
        _bodies.Clear();
        if (_contactCounter != null) { NativeMemory.Free(_contactCounter); _contactCounter = null; }
        return true;
    }
}
