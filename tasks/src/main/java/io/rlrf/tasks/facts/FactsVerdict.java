package io.rlrf.tasks.facts;

import java.util.List;

import io.rlrf.tasks.verify.Verdict;

/**
 * What the facts verifier concluded about one answer.
 *
 * @param ratings   one per rated aspect, in the order asked
 * @param outcome   CORRECT: every claim supported and every attribute of the entity stated;
 *                  NO_ANSWER: no sentence of the answer is a claim in the world's patterns; else INCORRECT
 * @param claims    the answer's claims in order, each with its status
 * @param facts     how many attributes the entity has (the floor of the score's denominator)
 */
public record FactsVerdict(List<Rating> ratings, Verdict.Outcome outcome, List<Claim> claims, int facts) {

    /** How a claim stands against the knowledge base; only SUPPORTED counts as supported. */
    public enum Status {
        SUPPORTED,
        /** a known attribute of the entity with another value */
        WRONG,
        /** an attribute the entity does not have (a birth year of a city) */
        UNKNOWN_RELATION,
        /** about another subject than the entity asked about (another name, another pronoun) */
        OFF_SUBJECT,
        /** states an attribute an earlier claim already stated */
        REPEATED,
        /** not a sentence in the world's claim patterns */
        UNPARSEABLE
    }

    /**
     * @param index    1-based position among the answer's claims
     * @param text     the sentence as written (whitespace collapsed, no full stop)
     * @param relation the attribute it states; null when unparseable
     * @param value    the value it states; null when unparseable
     */
    public record Claim(int index, String text, Status status, Relation relation, String value) {
        public boolean supported() {
            return status == Status.SUPPORTED;
        }
    }

    /**
     * @param critique what is wrong and where; empty when the rating is 3
     */
    public record Rating(FactAspect aspect, int rating, String critique) {
        public Rating {
            if (rating < 1 || rating > 3) {
                throw new IllegalArgumentException("rating must be 1..3, got " + rating);
            }
        }
    }

    public FactsVerdict {
        ratings = List.copyOf(ratings);
        claims = List.copyOf(claims);
    }

    public long supported() {
        return claims.stream().filter(Claim::supported).count();
    }

    /** FactScore's precision: supported claims / claims; 0 without claims. */
    public double precision() {
        return claims.isEmpty() ? 0 : (double) supported() / claims.size();
    }

    /** The share of the entity's attributes that a supported claim states. */
    public double coverage() {
        return facts == 0 ? 0 : (double) supported() / facts;
    }

    /**
     * The feedback's score [ours]: precision with a claim floor, supported / max(claims, facts). An
     * answer is judged as if it made at least as many claims as the entity has attributes, the
     * unmade ones unsupported, so saying little does not pay: one right claim of three scores 1/3, a
     * full right description 1. Equal to {@link #precision()} whenever the answer makes at least
     * {@code facts} claims; repeating a claim does not help either (a repeat is unsupported).
     */
    public double score() {
        int denominator = Math.max(claims.size(), facts);
        return denominator == 0 ? 0 : (double) supported() / denominator;
    }
}
