package io.rlrf.loop.peer;

import io.rlrf.api.reflector.v1.DescribeReflectorResponse;
import io.rlrf.api.reflector.v1.RefineRequest;
import io.rlrf.api.reflector.v1.RefineResponse;

/** Self-reflection (reflector-svc's contract): rewrites of answers given their feedback. */
public interface ReflectorPeer {

    RefineResponse refine(RefineRequest request);

    /** The reflection template it serves (the bootstrap trains the base to revise under exactly that). */
    DescribeReflectorResponse describe();
}
