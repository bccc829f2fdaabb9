// Learn: the training core. Dense tensors on BLAS, layers with explicit forward and backward passes,
// losses, the Adam optimiser, the TC-GRU and GRU-FF decoders, the training loop, metrics and HDF5
// checkpoints. It knows nothing of sockets, scans, schedulers or saliency scores: callers hand it
// utterances (frames, labels, spreads) already restricted to the selected columns.
//
// Layout convention: a batch of variable-length sequences is stored time-major, `[steps, batch, width]`,
// so that every time step is one contiguous `[batch, width]` matrix (one GEMM per step in the GRU).
// Frames past an utterance's length are padding: they never influence outputs, losses or gradients.
