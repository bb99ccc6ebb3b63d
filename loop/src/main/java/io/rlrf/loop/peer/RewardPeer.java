package io.rlrf.loop.peer;

import io.rlrf.api.reward.v1.EvaluateRequest;
import io.rlrf.api.reward.v1.EvaluateResponse;

/** The judge (reward-svc's contract): fine-grained feedback on answers. */
public interface RewardPeer {

    EvaluateResponse evaluate(EvaluateRequest request);
}
