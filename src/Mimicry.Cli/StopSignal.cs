using System.Runtime.InteropServices;

namespace Mimicry.Cli;

/// <summary>
/// Ctrl-C (SIGINT) or kill (SIGTERM) asks a long command to stop cleanly: the token is cancelled, the command finishes
/// its step and saves a checkpoint. A second signal gets the default handling and ends the process at once.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _int, _term;
    private readonly string _what;

    /// <param name="what">What the command does when asked to stop, e.g. "stopping after this step and saving a checkpoint".</param>
    public StopSignal(string what)
    {
        _what = what;
        _int = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cancel.Token;
    public bool Requested => _cancel.IsCancellationRequested;

    private void OnSignal(PosixSignalContext context)
    {
        if (_cancel.IsCancellationRequested) return; // the second one: default handling, the process ends now
        context.Cancel = true;
        _cancel.Cancel();
        Console.Error.WriteLine($"{context.Signal}: {_what} (again to quit at once)");
    }

    public void Dispose()
    {
        _int.Dispose();
        _term.Dispose();
        _cancel.Dispose();
    }
}
