from components import finance_view

finance_view.render_page()
