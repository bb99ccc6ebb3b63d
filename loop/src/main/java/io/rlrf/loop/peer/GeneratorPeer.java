package io.rlrf.loop.peer;

import io.rlrf.api.generator.v1.GenerateRequest;
import io.rlrf.api.generator.v1.GenerateResponse;
import io.rlrf.api.generator.v1.LoadCheckpointResponse;

/**
 * The policy the loop samples from (generator-svc's contract): over gRPC in trainer-svc, in-process
 * in the CLI. Failures are {@link io.rlrf.common.error.ServiceException}s.
 */
public interface GeneratorPeer {

    /** Serves the model-store version {@code version} from now on. */
    LoadCheckpointResponse loadCheckpoint(String version);

    GenerateResponse generate(GenerateRequest request);
}
