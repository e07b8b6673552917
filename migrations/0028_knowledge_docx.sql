-- Word documents (.docx) join the kinds of document a knowledge base reads.
ALTER TABLE kb_documents DROP CONSTRAINT kb_documents_media_type_check;
ALTER TABLE kb_documents ADD CONSTRAINT kb_documents_media_type_check
    CHECK (media_type IN ('application/pdf', 'text/markdown', 'text/html', 'text/plain',
                          'application/vnd.openxmlformats-officedocument.wordprocessingml.document'));
