package io.rlrf.common.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.rlrf.common.error.ServiceException;
import io.rlrf.common.error.ServiceException.Kind;

/** Store paths are resolved with every link followed, files as well as folders (issue 18, points 3 and 12). */
class StorePathsTest {

    @TempDir
    Path tmp;

    private Path store() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Files.createDirectories(store.resolve("ckpt"));
        Files.writeString(store.resolve("ckpt/config.json"), "{}");
        return store;
    }

    private static ServiceException refused(Path store, String relative) {
        return assertThrows(ServiceException.class, () -> StorePaths.resolve("version", store, relative, "model store"));
    }

    @Test
    void aPlainFolderInsideTheStoreResolves() throws Exception {
        Path store = store();
        assertEquals(store.resolve("ckpt"), StorePaths.resolve("version", store, "ckpt", "model store"));
        assertEquals(store.resolve("not/yet"), StorePaths.resolve("version", store, "not/yet", "model store"));
    }

    @Test
    void aLinkOnAFileLeadingOutOfTheStoreIsRefused() throws Exception {
        Path store = store();
        Path secret = Files.writeString(tmp.resolve("hostname"), "vm");
        Files.delete(store.resolve("ckpt/config.json"));
        Files.createSymbolicLink(store.resolve("ckpt/config.json"), secret);
        ServiceException e = refused(store, "ckpt");
        assertEquals(Kind.INVALID_ARGUMENT, e.kind());
        assertEquals("version 'ckpt' leads out of the model store through a symbolic link (at 'ckpt/config.json')",
                e.getMessage());
    }

    @Test
    void aLinkOnAFolderLeadingOutOfTheStoreIsRefusedEvenBelowIt() throws Exception {
        Path store = store();
        Path outside = Files.createDirectories(tmp.resolve("outside/deep"));
        Files.createSymbolicLink(store.resolve("escape"), outside.getParent());
        assertEquals(Kind.INVALID_ARGUMENT, refused(store, "escape").kind());
        assertEquals(Kind.INVALID_ARGUMENT, refused(store, "escape/deep").kind());
        assertEquals(Kind.INVALID_ARGUMENT, refused(store, "escape/not/there").kind(), "the existing part is checked");
        Files.createSymbolicLink(store.resolve("ckpt/shards"), outside);
        assertEquals(Kind.INVALID_ARGUMENT, refused(store, "ckpt").kind(), "a folder link under a checkpoint");
    }

    @Test
    void linksThatStayInsideTheStoreAreFollowed() throws Exception {
        Path store = store();
        Files.createDirectories(store.resolve("alias"));
        Files.createSymbolicLink(store.resolve("alias/config.json"), store.resolve("ckpt/config.json"));
        Files.createSymbolicLink(store.resolve("latest"), store.resolve("ckpt"));
        assertEquals(store.resolve("alias"), StorePaths.resolve("version", store, "alias", "model store"));
        assertEquals(store.resolve("latest"), StorePaths.resolve("version", store, "latest", "model store"));
    }

    @Test
    void aDanglingLinkOrALoopIsRefused() throws Exception {
        Path store = store();
        Files.createSymbolicLink(store.resolve("ckpt/gone"), tmp.resolve("nothing"));
        assertTrue(refused(store, "ckpt").getMessage().contains("leads nowhere"));
        Files.delete(store.resolve("ckpt/gone"));
        Files.createSymbolicLink(store.resolve("ckpt/loop"), store.resolve("ckpt"));
        assertEquals(Kind.INVALID_ARGUMENT, refused(store, "ckpt").kind());
    }

    @Test
    void theTextIsCheckedFirstAndControlCharactersAreRefused() throws Exception {
        Path store = store();
        for (String bad : new String[] {"../x", "/etc", "a\u0000b", "a\nb", "."}) {
            assertEquals(Kind.INVALID_ARGUMENT, refused(store, bad).kind(), bad);
        }
    }

    @Test
    void messagesNameStoreRelativePaths() throws Exception {
        Path store = store();
        String lower = "checkpoint failed: " + store.toAbsolutePath() + "/ckpt/config.json is missing in " + store.toAbsolutePath();
        String relative = StorePaths.relativize(store, lower);
        assertEquals("checkpoint failed: ckpt/config.json is missing in .", relative);
        assertFalse(relative.contains(tmp.toString()));
    }
}
