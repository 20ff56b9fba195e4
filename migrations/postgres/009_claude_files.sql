-- The Claude Files API id of a stored file (issue #13): a large PDF or image is uploaded once, the
-- first time a request carries it, and later requests refer to it by this id instead of sending its
-- bytes again. NULL: not uploaded (small files stay inline, or the Files API is off or failed).
-- Cleared when Claude no longer knows the id (deleted, another workspace's key), then re-uploaded.
ALTER TABLE attachment_blobs ADD COLUMN claude_file_id TEXT;
