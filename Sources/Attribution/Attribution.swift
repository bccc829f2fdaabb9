// Attribution: Integrated Gradients (Sundararajan et al., 2017) over any model that can give the gradient of
// one of its outputs with respect to its input frames, and the mergeable per-dimension statistics of those
// attributions (method B of ../shared/docs/methods.md).
//
// Owns: the `AttributableModel` protocol (what IG needs from a model), the integration rules (right Riemann
// sum, Gauss–Legendre, with Captum's step and weight conventions), the IG engine that pushes an utterance's
// interpolated copies through the model as one batch, and `AttributionStatistics` (a partial with an
// associative, commutative merge and a versioned byte form).
// The IG job (`AttributionJob`) attributes Learn's `TrainedModel` over utterances it reads with Shards'
// reader, so that `salience attribute` and the cluster's `scan.ig` are one piece of code; everything else
// works on any `AttributableModel` and plain frames.
// Must not know: how models are trained (Learn's trainer), sockets, tasks or the command line.
