//! The message loop: the handshake, then each notification and request dispatched to its
//! module, until `shutdown` and `exit`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Exit,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    Request as _,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, InitializeResult, OneOf, PositionEncodingKind,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
};
use serde_json::Value;

use super::documents::{Document, Documents, Loader};
use super::{actions, completion, definition, diagnostics, format, hover, symbols};

/// How the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// `shutdown`, then `exit`: exit with success.
    Shutdown,
    /// `exit` without `shutdown`, or the client went away: exit with failure.
    Exit,
}

/// Serves one client on `connection` until it exits.
pub fn run(connection: &Connection, loader: &dyn Loader) -> Result<Ending, String> {
    let (id, _params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "rustbuild".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        connection,
        loader,
        documents: Documents::default(),
    };
    server.serve()
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["-".into(), "=".into(), ",".into()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

struct Server<'a> {
    connection: &'a Connection,
    loader: &'a dyn Loader,
    documents: Documents,
}

impl Server<'_> {
    fn serve(&mut self) -> Result<Ending, String> {
        while let Ok(message) = self.connection.receiver.recv() {
            match message {
                Message::Request(request) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(Ending::Shutdown);
                    }
                    let response = self.request(request);
                    self.send(response.into())?;
                }
                Message::Notification(notification) if notification.method == Exit::METHOD => {
                    return Ok(Ending::Exit);
                }
                Message::Notification(notification) => self.notification(notification)?,
                Message::Response(_) => {}
            }
        }
        Ok(Ending::Exit)
    }

    fn send(&self, message: Message) -> Result<(), String> {
        self.connection
            .sender
            .send(message)
            .map_err(|_| "the client went away".to_owned())
    }

    /// Answers a request; a handler that panics answers an internal error.
    fn request(&self, request: Request) -> Response {
        let id = request.id.clone();
        let answered = catch_unwind(AssertUnwindSafe(|| self.answer(request)));
        match answered {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                "rustbuild lsp: this request hit a bug; please report it with the Buildfile"
                    .to_owned(),
            ),
        }
    }

    fn answer(&self, request: Request) -> Result<Value, (ErrorCode, String)> {
        match request.method.as_str() {
            HoverRequest::METHOD => self.with::<HoverRequest>(request, |d, p| {
                hover::hover(d, p.text_document_position_params.position)
            }),
            GotoDefinition::METHOD => self.with::<GotoDefinition>(request, |d, p| {
                definition::definition(d, p.text_document_position_params.position)
                    .map(lsp_types::GotoDefinitionResponse::Scalar)
            }),
            DocumentSymbolRequest::METHOD => self.with::<DocumentSymbolRequest>(request, |d, _| {
                Some(lsp_types::DocumentSymbolResponse::Nested(symbols::symbols(
                    d,
                )))
            }),
            Completion::METHOD => self.with::<Completion>(request, |d, p| {
                let items = completion::completion(d, p.text_document_position.position);
                Some(lsp_types::CompletionResponse::Array(items))
            }),
            CodeActionRequest::METHOD => {
                self.with::<CodeActionRequest>(request, |d, p| Some(actions::actions(d, p.range)))
            }
            Formatting::METHOD => self.with::<Formatting>(request, |d, _| Some(format::edits(d))),
            method => Err((
                ErrorCode::MethodNotFound,
                format!("unknown request `{method}`"),
            )),
        }
    }

    /// Decodes a request about a document and answers it from that document; `null`
    /// for a document that is not open.
    fn with<R>(
        &self,
        request: Request,
        answer: impl FnOnce(&Document, R::Params) -> R::Result,
    ) -> Result<Value, (ErrorCode, String)>
    where
        R: lsp_types::request::Request,
        R::Params: HasDocument,
    {
        let params: R::Params = serde_json::from_value(request.params)
            .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        let Some(document) = self.documents.get(params.uri()) else {
            return Ok(Value::Null);
        };
        let result = answer(document, params);
        serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }

    fn notification(&mut self, notification: Notification) -> Result<(), String> {
        let published = catch_unwind(AssertUnwindSafe(|| self.change(notification)));
        match published {
            Ok(published) => {
                for params in published {
                    let message = Notification::new(PublishDiagnostics::METHOD.to_owned(), params);
                    self.send(message.into())?;
                }
            }
            Err(_) => eprintln!("rustbuild lsp: a notification hit a bug and was dropped"),
        }
        Ok(())
    }

    /// Applies a document notification; the diagnostics to publish because of it.
    /// Undecodable or unknown notifications are ignored, as the protocol asks.
    fn change(&mut self, notification: Notification) -> Vec<lsp_types::PublishDiagnosticsParams> {
        let method = notification.method.clone();
        match method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<lsp_types::DidOpenTextDocumentParams>(&method)
                else {
                    return Vec::new();
                };
                self.open(params.text_document.uri, params.text_document.text)
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<lsp_types::DidChangeTextDocumentParams>(&method)
                else {
                    return Vec::new();
                };
                // Full sync: the last change holds the whole text.
                match params.content_changes.into_iter().last() {
                    Some(change) if change.range.is_none() => {
                        self.open(params.text_document.uri, change.text)
                    }
                    _ => Vec::new(),
                }
            }
            DidSaveTextDocument::METHOD => {
                // The files it includes may have changed on disk: analyse it again.
                let Ok(params) =
                    notification.extract::<lsp_types::DidSaveTextDocumentParams>(&method)
                else {
                    return Vec::new();
                };
                let uri = params.text_document.uri;
                let text = self.documents.get(&uri).map(|d| d.text().to_owned());
                text.map_or_else(Vec::new, |text| self.open(uri, text))
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<lsp_types::DidCloseTextDocumentParams>(&method)
                else {
                    return Vec::new();
                };
                self.documents
                    .remove(&params.text_document.uri)
                    .map_or_else(Vec::new, |d| diagnostics::clear(&d))
            }
            _ => Vec::new(),
        }
    }

    /// Analyses a document's new text and stores it.
    fn open(
        &mut self,
        uri: lsp_types::Uri,
        text: String,
    ) -> Vec<lsp_types::PublishDiagnosticsParams> {
        let mut document = Document::new(uri, text, self.loader);
        document.published = self
            .documents
            .get(&document.uri)
            .map(|old| old.published.clone())
            .unwrap_or_default();
        let published = diagnostics::publish(&document);
        document.published = published.iter().map(|p| p.uri.clone()).collect();
        self.documents.insert(document);
        published
    }
}

/// Requests that are about one document.
trait HasDocument {
    fn uri(&self) -> &lsp_types::Uri;
}

impl HasDocument for lsp_types::HoverParams {
    fn uri(&self) -> &lsp_types::Uri {
        &self.text_document_position_params.text_document.uri
    }
}

impl HasDocument for lsp_types::GotoDefinitionParams {
    fn uri(&self) -> &lsp_types::Uri {
        &self.text_document_position_params.text_document.uri
    }
}

impl HasDocument for lsp_types::DocumentSymbolParams {
    fn uri(&self) -> &lsp_types::Uri {
        &self.text_document.uri
    }
}

impl HasDocument for lsp_types::CompletionParams {
    fn uri(&self) -> &lsp_types::Uri {
        &self.text_document_position.text_document.uri
    }
}

impl HasDocument for lsp_types::CodeActionParams {
    fn uri(&self) -> &lsp_types::Uri {
        &self.text_document.uri
    }
}

impl HasDocument for lsp_types::DocumentFormattingParams {
    fn uri(&self) -> &lsp_types::Uri {
        &self.text_document.uri
    }
}
